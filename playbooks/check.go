package playbooks

import (
	"fmt"

	"github.com/clawrun/clawrun/modules"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// CheckHost is a host as validation sees it: inventory data without facts.
type CheckHost struct {
	Name, Address string
	Groups        []string
	Vars          map[string]cty.Value
	// VarValues, when set, are the variables this host sees (VarSet.For).
	VarValues map[string]cty.Value
}

// Check evaluates every task and handler for each host with facts unknown,
// so that type errors, unknown attributes, bad schedules, jq programs and
// templates are reported before any connection. With no hosts it checks
// against a wholly unknown host. Diagnostics are deduplicated.
func (pb *Playbook) Check(vars map[string]cty.Value, hosts []CheckHost, secrets *Secrets) hcl.Diagnostics {
	type checkScope struct {
		host cty.Value
		vars map[string]cty.Value
	}
	scopes := []checkScope{{HostValue("", "", nil, nil, nil), vars}}
	if len(hosts) > 0 {
		scopes = scopes[:0]
		for _, h := range hosts {
			cs := checkScope{HostValue(h.Name, h.Address, h.Groups, pb.MarkHostVars(h.Vars), nil), vars}
			if h.VarValues != nil {
				cs.vars = h.VarValues
			}
			scopes = append(scopes, cs)
		}
	}
	var out hcl.Diagnostics
	seen := map[string]bool{}
	for _, cs := range scopes {
		scope, diags := pb.NewScope(cs.vars, cs.host, nil, secrets)
		owned := map[string]string{} // object (modules.Owner) -> task
		for _, spec := range append(append([]*TaskSpec{}, pb.Tasks...), pb.Handlers...) {
			tasks, d := scope.Instantiate(spec)
			diags = append(diags, d...)
			diags = append(diags, sameObject(owned, tasks)...)
		}
		for _, d := range diags {
			key := fmt.Sprintf("%s|%s|%v", d.Summary, d.Detail, d.Subject)
			if !seen[key] {
				seen[key] = true
				out = append(out, d)
			}
		}
	}
	return out
}

// sameObject refuses two tasks owning one object (modules.Owner: two
// apt_repository tasks with one name): they would write the same files and
// replace each other's on every run.
func sameObject(seen map[string]string, tasks []*Task) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, t := range tasks {
		o, ok := t.Module.(modules.Owner)
		if !ok || t.Skip {
			continue
		}
		object, attr, files := o.Owns()
		if object == "" || !t.Attrs[attr].Known {
			continue
		}
		if other, dup := seen[object]; dup {
			diags = append(diags, t.Attrs.Diag(attr, "Also managed by another task",
				fmt.Sprintf("%s is also managed by %s: the two tasks would replace each other's files (%s) on every run; give each its own %s, or keep one task.", object, other, files, attr)))
			continue
		}
		seen[object] = t.ID
	}
	return diags
}
