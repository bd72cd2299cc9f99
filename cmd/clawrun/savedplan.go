package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/planfile"
	"github.com/spf13/cobra"
)

// loadSavedPlan reads apply's argument: a saved plan (plan --out) gives
// the playbook, inventory, limit, tags and variables; anything else is a
// playbook, returned as it is with no plan.
func loadSavedPlan(c *cobra.Command, pbPath string, f *flags) (*planfile.File, string, error) {
	src, err := os.ReadFile(pbPath)
	if errors.Is(err, os.ErrNotExist) && strings.HasSuffix(pbPath, ".json") {
		return nil, "", fmt.Errorf("plan file %s does not exist: save one with clawrun plan PLAYBOOK -i INVENTORY --out %s", pbPath, pbPath)
	}
	if err == nil && planfile.IsPlan(src) {
		key, err := planfile.Key(false)
		if err != nil {
			return nil, "", err
		}
		pf, err := planfile.Load(pbPath, src, key)
		if err != nil {
			return nil, "", err
		}
		if f.inventory != "" || f.limit != "" || f.shard != "" || len(f.tags) > 0 || len(f.skipTags) > 0 || len(f.vars) > 0 {
			return nil, "", fmt.Errorf("apply PLANFILE takes inventory, limit, shard, tags and variables from the plan; only sensitive variables are given again (environment or --var-file)")
		}
		pbPath, f.inventory, f.limit, f.tags, f.skipTags = pf.Playbook, pf.Inventory, pf.Limit, pf.Tags, pf.SkipTags
		f.onlyHosts = pf.OnlyHosts
		pbForVars, diags := playbooks.Load(pbPath)
		if pbForVars == nil {
			printDiags(c.ErrOrStderr(), diags, false)
			return nil, "", exitError{1}
		}
		if f.fixed, err = pf.FixedVars(pbForVars); err != nil {
			return nil, "", err
		}
		return pf, pbPath, nil
	}
	return nil, pbPath, nil
}
