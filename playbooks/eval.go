package playbooks

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/clawrun/clawrun/modules"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Inputs are variable values given on the command line and environment.
type Inputs struct {
	Vars     []string // NAME=VALUE, later wins
	VarFiles []string
	Environ  []string // CLAWRUN_VAR_<name>=VALUE entries are used
	// Fixed values win over everything (a saved plan's variables).
	Fixed map[string]cty.Value
	// Hosts are the selected hosts' inventory vars: a declared variable
	// that nothing above the inventory sets takes its value from there.
	Hosts []InventoryHost
	// SensitiveOnly (apply PLANFILE): the environment and var files set
	// only sensitive variables; values they give others are ignored, with
	// a warning, since the plan fixed those.
	SensitiveOnly bool
}

// InventoryHost is a selected host's name and resolved inventory vars.
type InventoryHost struct {
	Name  string
	Vars  map[string]cty.Value
	Range *hcl.Range
}

// VarSet is resolved variables: Values apply to every host unless ByHost
// has the host (its inventory vars set a variable nothing above the
// inventory sets). Pinned names were set by the environment, a var file,
// --var or a saved plan, which inventory vars never override.
type VarSet struct {
	Values map[string]cty.Value
	ByHost map[string]map[string]cty.Value
	Pinned map[string]bool
}

// For returns the variable values one host sees.
func (vs *VarSet) For(host string) map[string]cty.Value {
	if v, ok := vs.ByHost[host]; ok {
		return v
	}
	return vs.Values
}

// ResolveVars returns the values every host sees, without inventory vars.
func (pb *Playbook) ResolveVars(in Inputs, requireAll bool) (map[string]cty.Value, hcl.Diagnostics) {
	vs, diags := pb.Resolve(in, requireAll)
	return vs.Values, diags
}

// Resolve computes every variable's value. Precedence, lowest first:
// default, inventory vars of the same name (per host: defaults, groups in
// order, host), CLAWRUN_VAR_*, --var-file, --var. Without requireAll a
// variable with no value is unknown (validate); with it, an error.
func (pb *Playbook) Resolve(in Inputs, requireAll bool) (*VarSet, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	decl := map[string]*Variable{}
	vals := map[string]cty.Value{}
	pinned := map[string]bool{}
	inputs := map[string]cty.Value{}
	pb.inputs = inputs
	for _, v := range pb.Variables {
		decl[v.Name] = v
		if v.Default != cty.NilVal {
			vals[v.Name] = v.Default
		}
	}
	set := func(name string, raw cty.Value, text *string, rng *hcl.Range, from string) {
		v, ok := decl[name]
		unit := pb.unitVariable(name)
		if !ok && unit != nil {
			v, ok = unit, true
		}
		if !ok {
			if from == "env" {
				return // other playbooks' variables may be in the environment
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Undeclared variable",
				Detail: fmt.Sprintf("%s sets %q, which this playbook does not declare.", from, name), Subject: rng})
			return
		}
		if in.SensitiveOnly && from != "plan file" && !v.Sensitive {
			where := from
			if from == "env" {
				where = "CLAWRUN_VAR_" + name
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Variable ignored",
				Detail: fmt.Sprintf("%s sets %q, which is not sensitive: apply PLANFILE takes it from the plan; the value given is ignored.", where, name), Subject: rng})
			return
		}
		if text != nil {
			raw = parseVarText(*text, v.Type)
		}
		cv, err := convert.Convert(raw, v.Type)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable",
				Detail: fmt.Sprintf("%s: variable %q needs %s: %s.", from, name, v.Type.FriendlyName(), err), Subject: rng})
			return
		}
		if _, top := decl[name]; !top && pb.unitSensitive(name) {
			cv = cv.Mark(sensitiveMark) // kept out of plan files and outputs
		}
		if unit != nil {
			inputs[name] = cv
		}
		// An included file's variable rides in Values too, so that a
		// saved plan pins it like a top-level one (NewScope keeps it
		// out of the playbook's var.*).
		vals[name] = cv
		pinned[name] = true
	}
	for _, e := range in.Environ {
		if k, val, ok := strings.Cut(e, "="); ok && strings.HasPrefix(k, "CLAWRUN_VAR_") {
			set(strings.TrimPrefix(k, "CLAWRUN_VAR_"), cty.NilVal, &val, nil, "env")
		}
	}
	for _, f := range in.VarFiles {
		readVarFile(f, &diags, set)
	}
	for _, kvp := range in.Vars {
		k, val, ok := strings.Cut(kvp, "=")
		if !ok {
			// Not quoted back: it may be a secret pasted without its name.
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid --var",
				Detail: "A --var value has no '=': write NAME=VALUE."})
			continue
		}
		set(k, cty.NilVal, &val, nil, "--var")
	}
	for k, v := range in.Fixed {
		set(k, v, nil, nil, "plan file")
	}
	vs := &VarSet{Values: vals, Pinned: pinned, ByHost: map[string]map[string]cty.Value{}}
	diags = append(diags, pb.unset(in, vals, requireAll)...)
	for _, h := range in.Hosts {
		hv, d := pb.hostValues(vs, h)
		diags = append(diags, d...)
		if hv != nil {
			vs.ByHost[h.Name] = hv
		}
	}
	return vs, diags
}

// readVarFile sets the variables of one --var-file.
func readVarFile(f string, diags *hcl.Diagnostics, set func(name string, raw cty.Value, text *string, rng *hcl.Range, from string)) {
	src, err := os.ReadFile(f)
	if err != nil {
		*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read var file", Detail: err.Error()})
		return
	}
	// A parser of its own: var files hold secrets, and diagnostics
	// quote source lines only from files the shared parser knows.
	hf, d := hclparse.NewParser().ParseHCL(src, f)
	*diags = append(*diags, d...)
	if d.HasErrors() {
		return
	}
	attrs, d := hf.Body.JustAttributes()
	*diags = append(*diags, d...)
	for _, a := range sortedAttrs(attrs) {
		val, d := a.Expr.Value(nil)
		*diags = append(*diags, d...)
		if !d.HasErrors() {
			set(a.Name, val, nil, a.Expr.Range().Ptr(), "var file")
		}
	}
}

// unset gives each variable without a value an unknown one (validate), or
// reports it (requireAll, or set for some hosts only); sensitive ones are
// marked.
func (pb *Playbook) unset(in Inputs, vals map[string]cty.Value, requireAll bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, v := range pb.Variables {
		if _, ok := vals[v.Name]; !ok {
			missing := hostsWithout(in.Hosts, v.Name)
			switch {
			case len(missing) > 0 && len(missing) < len(in.Hosts):
				// Set for some hosts only: an error even in validate (plan
				// would fail), at each host that lacks it.
				for _, h := range in.Hosts {
					if slices.Contains(missing, h.Name) {
						diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No value for required variable",
							Detail:  fmt.Sprintf("Variable %q has no default, and the inventory vars of %s do not set it (those of other hosts do); set it there, or for every host with --var %s=..., --var-file or CLAWRUN_VAR_%s.", v.Name, h.Name, v.Name, v.Name),
							Subject: h.Range})
					}
				}
			case requireAll && (len(in.Hosts) == 0 || len(missing) > 0):
				r := v.Range
				detail := fmt.Sprintf("Variable %q has no default; set it with --var %s=..., --var-file, CLAWRUN_VAR_%s or inventory vars.", v.Name, v.Name, v.Name)
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No value for required variable", Detail: detail, Subject: &r})
			}
			vals[v.Name] = cty.UnknownVal(v.Type)
		}
		if v.Sensitive {
			vals[v.Name] = vals[v.Name].Mark(sensitiveMark)
		}
	}
	return diags
}

// unitVariable is the first declaration of name in an included file.
func (pb *Playbook) unitVariable(name string) *Variable {
	for _, u := range pb.Units {
		for _, v := range u.Variables {
			if v.Name == name {
				return v
			}
		}
	}
	return nil
}

// AllVariables are the playbook's variables and, for names it does not
// declare, their first declaration in an included file.
func (pb *Playbook) AllVariables() []*Variable {
	out := append([]*Variable{}, pb.Variables...)
	seen := map[string]bool{}
	for _, v := range pb.Variables {
		seen[v.Name] = true
	}
	for _, u := range pb.Units {
		for _, v := range u.Variables {
			if !seen[v.Name] {
				seen[v.Name] = true
				out = append(out, v)
			}
		}
	}
	return out
}

// unitSensitive: an included file declares name sensitive.
func (pb *Playbook) unitSensitive(name string) bool {
	for _, u := range pb.Units {
		for _, v := range u.Variables {
			if v.Name == name && v.Sensitive {
				return true
			}
		}
	}
	return false
}

func hostsWithout(hosts []InventoryHost, name string) []string {
	var out []string
	for _, h := range hosts {
		if _, ok := h.Vars[name]; !ok {
			out = append(out, h.Name)
		}
	}
	return out
}

// hostValues overlays a host's inventory vars on the global values, for
// declared variables nothing above the inventory pinned; nil when the
// host's values are the global ones.
func (pb *Playbook) hostValues(vs *VarSet, h InventoryHost) (map[string]cty.Value, hcl.Diagnostics) {
	var out map[string]cty.Value
	var diags hcl.Diagnostics
	for _, v := range pb.Variables {
		raw, ok := h.Vars[v.Name]
		if !ok || vs.Pinned[v.Name] {
			continue
		}
		cv, err := convert.Convert(raw, v.Type)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable",
				Detail: fmt.Sprintf("The inventory vars of host %q set %q, which needs %s: %s.", h.Name, v.Name, v.Type.FriendlyName(), err), Subject: h.Range})
			continue
		}
		if v.Sensitive {
			cv = cv.Mark(sensitiveMark)
		}
		if out == nil {
			out = make(map[string]cty.Value, len(vs.Values))
			for k, x := range vs.Values {
				out[k] = x
			}
		}
		out[v.Name] = cv
	}
	return out, diags
}

// MarkHostVars returns inventory vars with those named like a sensitive
// variable marked sensitive, so host.vars never shows what var.* hides.
func (pb *Playbook) MarkHostVars(vars map[string]cty.Value) map[string]cty.Value {
	out := make(map[string]cty.Value, len(vars))
	for k, v := range vars {
		out[k] = v
	}
	for _, v := range pb.Variables {
		if x, ok := out[v.Name]; ok && v.Sensitive {
			out[v.Name] = x.Mark(sensitiveMark)
		}
	}
	for k, x := range out {
		if pb.unitSensitive(k) {
			out[k] = x.Mark(sensitiveMark)
		}
	}
	return out
}

// parseVarText reads a --var value: an HCL literal, else a bare string.
// String-typed variables always take the text as is.
func parseVarText(s string, ty cty.Type) cty.Value {
	if ty == cty.String {
		return cty.StringVal(s)
	}
	expr, d := hclsyntax.ParseExpression([]byte(s), "<var>", hcl.InitialPos)
	if !d.HasErrors() {
		if v, d := expr.Value(nil); !d.HasErrors() {
			return v
		}
	}
	return cty.StringVal(s)
}

// HostValue builds the host.* object. facts nil means not gathered yet
// (unknown); name "" builds a fully unknown host for validation.
func HostValue(name, address string, groups []string, vars map[string]cty.Value, facts *modules.Facts) cty.Value {
	factsV := cty.ObjectVal(map[string]cty.Value{
		"os_id": cty.UnknownVal(cty.String), "os_version": cty.UnknownVal(cty.String),
		"arch": cty.UnknownVal(cty.String), "hostname": cty.UnknownVal(cty.String),
		"memory_mb": cty.UnknownVal(cty.Number), "init": cty.UnknownVal(cty.String),
	})
	if facts != nil {
		factsV = cty.ObjectVal(map[string]cty.Value{
			"os_id": cty.StringVal(facts.OSID), "os_version": cty.StringVal(facts.OSVersion),
			"arch": cty.StringVal(facts.Arch), "hostname": cty.StringVal(facts.Hostname),
			"memory_mb": cty.NumberIntVal(facts.MemoryMB), "init": cty.StringVal(facts.Init),
		})
	}
	if name == "" {
		return cty.ObjectVal(map[string]cty.Value{
			"name": cty.UnknownVal(cty.String), "address": cty.UnknownVal(cty.String),
			"groups": cty.UnknownVal(cty.List(cty.String)), "vars": cty.DynamicVal, "facts": factsV,
		})
	}
	gs := make([]cty.Value, len(groups))
	for i, g := range groups {
		gs[i] = cty.StringVal(g)
	}
	gv := cty.ListValEmpty(cty.String)
	if len(gs) > 0 {
		gv = cty.ListVal(gs)
	}
	if vars == nil {
		vars = map[string]cty.Value{}
	}
	return cty.ObjectVal(map[string]cty.Value{
		"name": cty.StringVal(name), "address": cty.StringVal(address),
		"groups": gv, "vars": cty.ObjectVal(vars), "facts": factsV,
	})
}
