package playbooks

import (
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/clawrun/clawrun/modules"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
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
		src, err := os.ReadFile(f)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read var file", Detail: err.Error()})
			continue
		}
		// A parser of its own: var files hold secrets, and diagnostics
		// quote source lines only from files the shared parser knows.
		hf, d := hclparse.NewParser().ParseHCL(src, f)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		attrs, d := hf.Body.JustAttributes()
		diags = append(diags, d...)
		for _, a := range sortedAttrs(attrs) {
			val, d := a.Expr.Value(nil)
			diags = append(diags, d...)
			if !d.HasErrors() {
				set(a.Name, val, nil, a.Expr.Range().Ptr(), "var file")
			}
		}
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
	for _, h := range in.Hosts {
		hv, d := pb.hostValues(vs, h)
		diags = append(diags, d...)
		if hv != nil {
			vs.ByHost[h.Name] = hv
		}
	}
	return vs, diags
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

// Scope evaluates one host's expressions.
type Scope struct {
	pb      *Playbook
	Ctx     *hcl.EvalContext
	Secrets *Secrets
	random  RandomSource
	// units holds included files' contexts, made on first use.
	units map[*Unit]*unitScope
	funcs map[string]map[string]function.Function
	// results are the tasks' results so far (results.go).
	results map[*TaskSpec]cty.Value
}

// NewScope evaluates locals for one host. random may be nil (crypto/rand).
func (pb *Playbook) NewScope(vars map[string]cty.Value, host cty.Value, random RandomSource, secrets *Secrets) (*Scope, hcl.Diagnostics) {
	if random == nil {
		random = CryptoRandom
	}
	own := make(map[string]cty.Value, len(pb.Variables))
	for _, v := range pb.Variables {
		if x, ok := vars[v.Name]; ok {
			own[v.Name] = x
		}
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(own), "host": host, "local": cty.EmptyObjectVal},
		Functions: functions(pb.Dir, random, secrets, pb.Reads),
	}
	for _, v := range vars {
		secrets.AddValue(v)
	}
	diags := evalLocals(ctx, pb.Locals)
	s := &Scope{pb: pb, Ctx: ctx, Secrets: secrets, random: random}
	ctx.Variables["task"] = s.resultsValue(nil)
	return s, diags
}

// evalLocals evaluates a file's locals into ctx's "local".
func evalLocals(ctx *hcl.EvalContext, attrs []*hcl.Attribute) hcl.Diagnostics {
	var diags hcl.Diagnostics
	locals := map[string]cty.Value{}
	pending := append([]*hcl.Attribute{}, attrs...)
	// Locals may refer to each other in any order: evaluate in passes.
	for len(pending) > 0 {
		var next []*hcl.Attribute
		for _, a := range pending {
			ready := true
			for _, tr := range a.Expr.Variables() {
				if tr.RootName() == "local" && len(tr) > 1 {
					if s, ok := tr[1].(hcl.TraverseAttr); ok {
						if _, done := locals[s.Name]; !done && hasLocal(pending, s.Name) {
							ready = false
						}
					}
				}
			}
			if !ready {
				next = append(next, a)
				continue
			}
			v, d := a.Expr.Value(ctx)
			diags = append(diags, d...)
			if d.HasErrors() {
				v = cty.DynamicVal
			}
			locals[a.Name] = v
			ctx.Variables["local"] = cty.ObjectVal(locals)
		}
		if len(next) == len(pending) {
			for _, a := range next {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cycle in locals",
					Detail: fmt.Sprintf("local.%s depends on itself.", a.Name), Subject: a.Expr.Range().Ptr()})
			}
			break
		}
		pending = next
	}
	return diags
}

func hasLocal(as []*hcl.Attribute, name string) bool {
	for _, a := range as {
		if a.Name == name {
			return true
		}
	}
	return false
}

// Task is one task instance for one host.
type Task struct {
	Spec         *TaskSpec
	ID           string // module.name, with [key] for for_each
	Skip         bool   // when evaluated to false
	Module       modules.Module
	Attrs        modules.Attrs
	Become       *bool
	Sensitive    bool
	IgnoreErrors bool
	// Retries is how many more times apply runs a failed task, Delay
	// seconds apart.
	Retries, Delay int
	// Pending: when or an attribute is not known yet (a task result that
	// only apply knows). Plan reports such a task as known after apply.
	Pending bool
	// Timeout bounds the task's steps (and its probe); 0: none.
	Timeout time.Duration
}

// Instantiate evaluates a task for this host: for_each, when, meta
// attributes and the module body. validating tolerates unknown values.
func (s *Scope) Instantiate(spec *TaskSpec) ([]*Task, hcl.Diagnostics) {
	base, on, diags := s.unitContext(spec.Unit)
	if base == nil {
		return nil, diags
	}
	if !on {
		// The include's when is false: its tasks are skipped, unevaluated.
		return []*Task{{Spec: spec, ID: spec.ID(), Skip: true}}, diags
	}
	type inst struct {
		key  string
		each cty.Value
	}
	insts := []inst{{}}
	if spec.ForEach != nil {
		fe, d := spec.ForEach.Value(base)
		diags = append(diags, d...)
		if d.HasErrors() {
			return nil, diags
		}
		if fe.IsMarked() || (fe.IsKnown() && !fe.IsNull() && fe.Type().IsSetType() && fe.ContainsMarked()) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Sensitive value in for_each",
				Detail:  "for_each keys name the task instances, and names are printed: iterate over a non-sensitive map or set (a map's values may be sensitive, its keys not).",
				Subject: spec.ForEach.Range().Ptr()})
			return nil, diags
		}
		switch {
		case !fe.IsKnown():
			insts = []inst{{key: "", each: cty.ObjectVal(map[string]cty.Value{"key": cty.UnknownVal(cty.String), "value": cty.DynamicVal})}}
		case fe.IsNull():
			insts = nil
		case fe.Type().IsMapType() || fe.Type().IsObjectType() || fe.Type().IsSetType():
			insts = nil
			isSet := fe.Type().IsSetType()
			for it := fe.ElementIterator(); it.Next(); {
				k, v := it.Element()
				if isSet {
					k = v
				}
				ks, err := convert.Convert(k, cty.String)
				if err != nil || !ks.IsKnown() {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid for_each",
						Detail: "A set for for_each must hold strings.", Subject: spec.ForEach.Range().Ptr()})
					return nil, diags
				}
				ks, _ = ks.Unmark()
				insts = append(insts, inst{key: ks.AsString(), each: cty.ObjectVal(map[string]cty.Value{"key": ks, "value": v})})
			}
			sort.SliceStable(insts, func(i, j int) bool { return insts[i].key < insts[j].key })
		default:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid for_each",
				Detail:  fmt.Sprintf("for_each takes a map or a set of strings, not %s; wrap a list in toset().", fe.Type().FriendlyName()),
				Subject: spec.ForEach.Range().Ptr()})
			return nil, diags
		}
	}
	var out []*Task
	for _, in := range insts {
		ctx := base
		id := spec.ID()
		if spec.ForEach != nil {
			ctx = base.NewChild()
			ctx.Variables = map[string]cty.Value{"each": in.each}
			id = fmt.Sprintf("%s[%q]", id, in.key)
		}
		t := &Task{Spec: spec, ID: id}
		if spec.When != nil {
			var when bool = true
			if v, d := spec.When.Value(ctx); !d.HasErrors() && !v.IsWhollyKnown() {
				t.Pending = true
			}
			d := s.boolMeta(ctx, spec.When, "when", &when)
			diags = append(diags, d...)
			if !when {
				t.Skip = true
				out = append(out, t)
				continue
			}
		}
		if spec.Become != nil {
			var b bool
			diags = append(diags, s.boolMeta(ctx, spec.Become, "become", &b)...)
			t.Become = &b
		}
		diags = append(diags, s.boolMeta(ctx, spec.Sensitive, "sensitive", &t.Sensitive)...)
		diags = append(diags, s.boolMeta(ctx, spec.IgnoreErrors, "ignore_errors", &t.IgnoreErrors)...)
		diags = append(diags, s.retryMeta(ctx, spec, t)...)
		diags = append(diags, durationMeta(ctx, spec.Timeout, "timeout", &t.Timeout)...)
		ctor, ok := modules.Registry[spec.Module]
		if !ok {
			continue // reported by Load
		}
		t.Module = ctor()
		// dynamic "rule" { for_each = ... } blocks expand here.
		attrs, d := decodeBody(dynblock.Expand(spec.Body, ctx), ctx, t.Module, s.Secrets)
		diags = append(diags, d...)
		t.Attrs = attrs
		for _, a := range attrs {
			if !a.Known {
				t.Pending = true
			}
		}
		if tt, ok := t.Module.(modules.TimeoutTaker); ok && t.Timeout > 0 {
			tt.SetTimeout(t.Timeout) // a wait's timeout is how long it waits
		}
		if c, ok := t.Module.(modules.Capturer); ok && spec.Referenced {
			c.CaptureOutput()
		}
		if d.HasErrors() {
			out = append(out, t)
			continue
		}
		if c, ok := t.Module.(modules.Checker); ok {
			diags = append(diags, c.Check(attrs)...)
		}
		if src, ok := t.Module.(modules.Sourcer); ok {
			diags = append(diags, src.LoadSources(&loader{dir: s.unitDir(spec.Unit), ctx: ctx, secrets: s.Secrets, reads: s.pb.Reads}, attrs)...)
		}
		out = append(out, t)
	}
	return out, diags
}

// boolMeta evaluates a meta-attribute; unknown leaves target unchanged.
func (s *Scope) boolMeta(ctx *hcl.EvalContext, e hcl.Expression, name string, target *bool) hcl.Diagnostics {
	if e == nil {
		return nil
	}
	v, diags := e.Value(ctx)
	if diags.HasErrors() {
		return diags
	}
	v, _ = v.Unmark()
	v, err := convert.Convert(v, cty.Bool)
	if err != nil || v.IsNull() {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid " + name,
			Detail: fmt.Sprintf("%s must be a bool.", name), Subject: e.Range().Ptr()}}
	}
	if v.IsKnown() {
		*target = v.True()
	}
	return nil
}

// durationMeta reads a duration: a number of seconds or a string such as
// "90s" or "5m".
func durationMeta(ctx *hcl.EvalContext, e hcl.Expression, name string, target *time.Duration) hcl.Diagnostics {
	if e == nil {
		return nil
	}
	v, diags := e.Value(ctx)
	if diags.HasErrors() {
		return diags
	}
	v, _ = v.Unmark()
	if !v.IsWhollyKnown() {
		return nil
	}
	bad := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid " + name,
		Detail: fmt.Sprintf("%s takes a positive number of seconds or a duration such as \"90s\" or \"5m\".", name), Subject: e.Range().Ptr()}}
	switch {
	case v.IsNull():
		return bad
	case v.Type() == cty.Number:
		f, _ := v.AsBigFloat().Float64()
		if f <= 0 || f > 1e6 {
			return bad
		}
		*target = time.Duration(f * float64(time.Second))
	case v.Type() == cty.String:
		d, err := time.ParseDuration(v.AsString())
		if err != nil || d <= 0 {
			return bad
		}
		*target = d
	default:
		return bad
	}
	return nil
}

// loader implements modules.Loader for one task.
type loader struct {
	dir     string
	ctx     *hcl.EvalContext
	secrets *Secrets
	reads   *FileReads
}

func (l *loader) diag(a modules.Attrs, attr, summary, detail string) hcl.Diagnostics {
	return hcl.Diagnostics{a.Diag(attr, summary, detail)}
}

func (l *loader) ReadFile(a modules.Attrs, attr, p string) ([]byte, hcl.Diagnostics) {
	if p == "" {
		return nil, nil
	}
	path := resolve(l.dir, p)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, l.diag(a, attr, "Cannot read source file", err.Error())
	}
	l.reads.note(path, b)
	return b, nil
}

// ReadFileMax is ReadFile for small files (keys): regular files only,
// at most max+1 bytes read, more refused.
func (l *loader) ReadFileMax(a modules.Attrs, attr, p string, max int64) ([]byte, hcl.Diagnostics) {
	if p == "" {
		return nil, nil
	}
	path := resolve(l.dir, p)
	f, err := os.Open(path)
	if err != nil {
		return nil, l.diag(a, attr, "Cannot read source file", err.Error())
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, l.diag(a, attr, "Cannot read source file", fmt.Sprintf("%s is not a regular file.", p))
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, l.diag(a, attr, "Cannot read source file", err.Error())
	}
	if int64(len(b)) > max {
		return nil, l.diag(a, attr, "Source file too large", fmt.Sprintf("%s is larger than %d KiB; a key is a few KiB.", p, max>>10))
	}
	l.reads.note(path, b)
	return b, nil
}

var (
	templateMu    sync.Mutex
	templateFiles = map[string]*hcl.File{}
)

// Files returns every parsed file, templates included, for diagnostics.
func Files() map[string]*hcl.File {
	out := map[string]*hcl.File{}
	for k, v := range Parser.Files() {
		out[k] = v
	}
	templateMu.Lock()
	defer templateMu.Unlock()
	for k, v := range templateFiles {
		out[k] = v
	}
	return out
}

func (l *loader) RenderTemplate(a modules.Attrs, attr, p string, vars map[string]cty.Value) (string, hcl.Diagnostics) {
	if p == "" {
		return "", nil
	}
	path := resolve(l.dir, p)
	src, err := os.ReadFile(path)
	if err != nil {
		return "", l.diag(a, attr, "Cannot read template", err.Error())
	}
	l.reads.note(path, src)
	templateMu.Lock()
	templateFiles[path] = &hcl.File{Bytes: src}
	templateMu.Unlock()
	tmpl, diags := hclsyntax.ParseTemplate(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		return "", diags
	}
	ctx := l.ctx.NewChild()
	ctx.Variables = map[string]cty.Value{}
	for k, v := range vars {
		ctx.Variables[k] = v
	}
	for _, tr := range tmpl.Variables() {
		name := tr.RootName()
		if _, ok := ctx.Variables[name]; ok {
			continue
		}
		if name == "task" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Task result in a template",
				Detail:  "Pass task results in the task's vars (vars = { out = task.command.x.stdout }), so that plan can tell they are known after apply.",
				Subject: tr.SourceRange().Ptr()})
			continue
		}
		known := false
		for c := l.ctx; c != nil; c = c.Parent() {
			if _, ok := c.Variables[name]; ok {
				known = true
			}
		}
		if !known {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown variable in template",
				Detail:  fmt.Sprintf("%q is not defined: templates see var, local, host, each and the task's vars.", name),
				Subject: tr.SourceRange().Ptr()})
		}
	}
	if diags.HasErrors() {
		return "", diags
	}
	out, diags := tmpl.Value(ctx)
	if diags.HasErrors() {
		return "", diags
	}
	out, _ = out.UnmarkDeep()
	if !out.IsKnown() || out.IsNull() {
		return "", nil
	}
	out, err = convert.Convert(out, cty.String)
	if err != nil {
		return "", l.diag(a, attr, "Template result is not a string", err.Error())
	}
	return out.AsString(), nil
}
