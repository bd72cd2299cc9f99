// Package inventory loads clawrun inventories (HCL): defaults, groups and
// hosts, with variable precedence host > groups (file order) > defaults.
package inventory
