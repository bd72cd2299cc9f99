package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/clawrun/clawrun/inventory"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/output"
	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"
)

func doValidate(c *cobra.Command, pbPaths []string, f *flags) error {
	if err := checkColor(f.color); err != nil {
		return err
	}
	var pbs []*playbooks.Playbook
	var selected []*inventory.Host
	seen := map[string]bool{}
	failed := false
	for _, pbPath := range pbPaths {
		pb, _, hosts, _, err := load(c, pbPath, f, false)
		if err != nil {
			failed = true
			continue
		}
		pbs = append(pbs, pb)
		for _, h := range hosts {
			if !seen[h.Name] {
				seen[h.Name] = true
				selected = append(selected, h)
			}
		}
		msg := fmt.Sprintf("%s is valid: %s, %s, %s", pbPath, output.Plural(len(pb.Tasks), "task"),
			output.Plural(len(pb.Handlers), "handler"), output.Plural(len(pb.Variables), "variable"))
		if f.inventory != "" {
			msg += ", checked for " + output.Plural(len(hosts), "host")
		}
		fmt.Fprintln(c.OutOrStdout(), msg)
	}
	if failed {
		return exitError{1}
	}
	if f.inventory != "" {
		printDiags(c.ErrOrStderr(), unusedInventoryVars(pbs, selected), useColor(f.color, c.ErrOrStderr()))
	}
	return nil
}

// unusedInventoryVars warns about inventory vars of the selected hosts that
// no playbook given declares as a variable or reads: a var meant for a
// playbook but misspelt would be silently ignored otherwise.
func unusedInventoryVars(pbs []*playbooks.Playbook, hosts []*inventory.Host) hcl.Diagnostics {
	where := map[string][]string{}
	var names []string
	for _, h := range hosts {
		for k := range h.Vars {
			if _, ok := where[k]; !ok {
				names = append(names, k)
			}
			where[k] = append(where[k], h.Name)
		}
	}
	sort.Strings(names)
	var files []string
	for _, pb := range pbs {
		files = append(files, pb.File)
	}
	var diags hcl.Diagnostics
	for _, n := range names {
		used := false
		for _, pb := range pbs {
			used = used || pb.ReadsName(n)
		}
		if !used {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Unused inventory var",
				Detail: fmt.Sprintf("Inventory var %q (hosts %s) is neither a variable of %s nor read by it (host.vars.%s); check its spelling, or validate it with the playbooks that use it.",
					n, strings.Join(where[n], ", "), strings.Join(files, ", "), n)})
		}
	}
	return diags
}

// checkTags rejects a tag no task or handler carries: a typo would
// otherwise select nothing (or skip nothing) and report success.
func checkTags(pb *playbooks.Playbook, tags []string, flag string) error {
	known := map[string]bool{}
	for _, t := range append(append([]*playbooks.TaskSpec{}, pb.Tasks...), pb.Handlers...) {
		for _, tag := range t.Tags {
			known[tag] = true
		}
	}
	var bad []string
	for _, t := range tags {
		if !known[t] {
			bad = append(bad, t)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	var all []string
	for t := range known {
		all = append(all, t)
	}
	sort.Strings(all)
	have := "no task has tags"
	if len(all) > 0 {
		have = "tags in " + pb.File + ": " + strings.Join(all, ", ")
	}
	return fmt.Errorf("%s %s: no task carries %s (%s)", flag, strings.Join(bad, ","), map[bool]string{true: "them", false: "it"}[len(bad) > 1], have)
}
