// Package playbooks loads clawrun playbooks (HCL), checks them before any
// host is contacted, and evaluates them per host into module configurations.
package playbooks
