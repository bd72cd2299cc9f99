package playbooks

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// Unit is one include block and the file it loads: its variables and
// locals are its own, its tasks run at the include's position with the
// include's name before theirs, its handlers are notified by its own
// tasks only.
type Unit struct {
	Name   string // the include's label
	Parent *Unit  // the including file's include; nil for the playbook
	File   string // the included file, as named in diagnostics
	Dir    string // relative paths in the included file resolve here
	// Vars (an object) and When are evaluated in the including file's
	// scope, per host.
	Vars, When hcl.Expression
	Tags       []string
	Variables  []*Variable
	// Sets are the names vars sets as an object literal: inventory vars
	// of those names never reach this file.
	Sets      []string
	Locals    []*hcl.Attribute
	DeclRange hcl.Range
}

// prefix is "ssh." for tasks of include "ssh" ("outer.ssh." nested).
func (u *Unit) prefix() string {
	if u == nil {
		return ""
	}
	return u.Parent.prefix() + u.Name + "."
}

// addTags gives an included task its include's tags and the include's
// name (and its parents'), so that --tags ssh selects what include "ssh"
// brought in.
func (u *Unit) addTags(t *TaskSpec) {
	for ; u != nil; u = u.Parent {
		for _, tag := range append([]string{u.Name}, u.Tags...) {
			if !slices.Contains(t.Tags, tag) {
				t.Tags = append(t.Tags, tag)
			}
		}
	}
}

var includeSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "source", Required: true}, {Name: "vars"}, {Name: "when"}, {Name: "tags"},
}}

// includedSchema is what an included file may hold: no play settings
// (hosts, become, ...), which belong to the playbook.
var includedSchema = &hcl.BodySchema{Blocks: rootSchema.Blocks}

// loadInclude loads the file an include block names, relative to the
// including file, and its blocks in place.
func (pb *Playbook) loadInclude(b *hcl.Block, parent *Unit, stack []string) hcl.Diagnostics {
	content, diags := b.Body.Content(includeSchema)
	if diags.HasErrors() {
		return diags
	}
	name := b.Labels[0]
	if !hclsyntax.ValidIdentifier(name) {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid include name",
			Detail: "An include's name is an identifier (letters, digits, _ and -): it prefixes its tasks' names.", Subject: &b.LabelRanges[0]})
	}
	u := &Unit{Name: name, Parent: parent, Vars: attrExpr(content, "vars"), When: attrExpr(content, "when"), DeclRange: b.DefRange}
	diags = append(diags, noTaskResults(content)...)
	var source string
	src := content.Attributes["source"]
	if d := staticValue(src, ctyString, &source); d.HasErrors() {
		return append(diags, d...)
	}
	if a, ok := content.Attributes["tags"]; ok {
		diags = append(diags, staticValue(a, ctyStringList, &u.Tags)...)
	}
	dir := pb.Dir
	if parent != nil {
		dir = parent.Dir
	}
	path := resolve(dir, source)
	abs, _ := filepath.Abs(path)
	if i := slices.Index(stack, abs); i >= 0 {
		chain := append(append([]string{}, stack[i:]...), abs)
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Include cycle",
			Detail: fmt.Sprintf("%s includes itself: %s.", source, strings.Join(chain, " -> ")), Subject: src.Expr.Range().Ptr()})
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read included file",
			Detail: fmt.Sprintf("%s (relative to the including file's folder).", err), Subject: src.Expr.Range().Ptr()})
	}
	u.File, u.Dir = path, filepath.Dir(abs)
	pb.Units = append(pb.Units, u)
	f, d := Parser.ParseHCL(data, path)
	diags = append(diags, d...)
	if d.HasErrors() {
		return diags
	}
	// Saved plans must notice a change in an included file too.
	pb.Source = append(pb.Source, []byte("\n# clawrun include "+path+"\n")...)
	pb.Source = append(pb.Source, data...)
	if !pb.UsesFacts {
		pb.UsesFacts = usesFacts(u.Dir, f.Body)
	}
	pb.noteReads(u.Dir, f.Body)
	body, d := f.Body.Content(includedSchema)
	diags = append(diags, d...)
	diags = append(diags, pb.loadBlocks(body.Blocks, u, append(stack, abs))...)
	diags = append(diags, u.checkVarNames(content)...)
	return diags
}

// checkVarNames reports, before any host is contacted, vars that the
// included file does not declare (when vars is written as an object).
func (u *Unit) checkVarNames(content *hcl.BodyContent) hcl.Diagnostics {
	a, ok := content.Attributes["vars"]
	if !ok {
		return nil
	}
	pairs, d := hcl.ExprMap(a.Expr)
	if d.HasErrors() {
		return nil // not an object literal: checked when evaluated
	}
	var diags hcl.Diagnostics
	for _, p := range pairs {
		k, d := p.Key.Value(nil)
		if d.HasErrors() || !k.IsKnown() || k.Type() != ctyString {
			continue
		}
		u.Sets = append(u.Sets, k.AsString())
		if !slices.ContainsFunc(u.Variables, func(v *Variable) bool { return v.Name == k.AsString() }) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Undeclared variable",
				Detail: fmt.Sprintf("vars sets %q, which %s does not declare.", k.AsString(), u.File), Subject: p.Key.Range().Ptr()})
		}
	}
	return diags
}

// noTaskResults refuses task results in an include's vars and when: the
// included file's scope is built once, before any task has run, so such a
// value would stay empty (or unknown) in plan and apply alike.
func noTaskResults(content *hcl.BodyContent) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, n := range []string{"vars", "when"} {
		a, ok := content.Attributes[n]
		if !ok {
			continue
		}
		for _, tr := range a.Expr.Variables() {
			if tr.RootName() == "task" {
				rng := tr.SourceRange()
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid task result reference",
					Detail: "An include's " + n + " cannot read task results: they are evaluated before any task runs. Move the task that produces the value into the included file, whose tasks can read it.", Subject: &rng})
			}
		}
	}
	return diags
}

func attrExpr(c *hcl.BodyContent, name string) hcl.Expression {
	if a, ok := c.Attributes[name]; ok {
		return a.Expr
	}
	return nil
}

var (
	ctyString     = cty.String
	ctyStringList = cty.List(cty.String)
)

// unitScope is an included file's evaluation context for one host.
type unitScope struct {
	ctx *hcl.EvalContext // nil when its vars could not be evaluated
	on  bool             // the include's when (and its parents') holds
}

// unitContext returns the context an included task evaluates in, and
// whether its include (and every enclosing one) is on for this host. Its
// diagnostics are returned once, with the first task that asks.
func (s *Scope) unitContext(u *Unit) (*hcl.EvalContext, bool, hcl.Diagnostics) {
	if u == nil {
		return s.Ctx, true, nil
	}
	if us, ok := s.units[u]; ok {
		return us.ctx, us.on, nil
	}
	if s.units == nil {
		s.units = map[*Unit]*unitScope{}
	}
	us := &unitScope{}
	s.units[u] = us
	parent, on, diags := s.unitContext(u.Parent)
	if parent == nil {
		return nil, false, diags
	}
	if on && u.When != nil {
		diags = append(diags, s.boolMeta(parent, u.When, "when", &on)...)
	}
	us.on = on
	vals := map[string]cty.Value{}
	if u.Vars != nil {
		v, d := u.Vars.Value(parent)
		diags = append(diags, d...)
		if d.HasErrors() {
			return nil, false, diags
		}
		switch {
		case !v.IsKnown():
			// validate: every variable is unknown
		case v.IsNull() || !(v.Type().IsObjectType() || v.Type().IsMapType()):
			return nil, false, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid vars",
				Detail: "vars takes an object: { name = value, ... }.", Subject: u.Vars.Range().Ptr()})
		default:
			for it := v.ElementIterator(); it.Next(); {
				k, e := it.Element()
				k, _ = k.Unmark()
				vals[k.AsString()] = e
			}
		}
	}
	known := u.Vars == nil
	if u.Vars != nil {
		v, _ := u.Vars.Value(parent)
		known = v.IsKnown()
	}
	vars, d := u.resolveVars(vals, known, on, s.pb.inputs, s.Ctx.Variables["host"])
	diags = append(diags, d...)
	for _, v := range vars {
		s.Secrets.AddValue(v)
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(vars), "host": s.Ctx.Variables["host"], "local": cty.EmptyObjectVal},
		Functions: s.functionsFor(u.Dir),
	}
	diags = append(diags, evalLocals(ctx, u.Locals)...)
	ctx.Variables["task"] = s.resultsValue(u)
	us.ctx = ctx
	return ctx, on, diags
}

// resolveVars gives an included file's variables their values, highest
// first: the include's vars (the including file's explicit choice), then
// what would set a top-level variable of that name: --var, --var-file,
// CLAWRUN_VAR_* (inputs), the host's inventory vars, and last the
// variable's default. A variable without any is an error when the include
// is on.
func (u *Unit) resolveVars(given map[string]cty.Value, known, on bool, inputs map[string]cty.Value, host cty.Value) (map[string]cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := map[string]cty.Value{}
	for name := range given {
		if !slices.ContainsFunc(u.Variables, func(v *Variable) bool { return v.Name == name }) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Undeclared variable",
				Detail: fmt.Sprintf("vars sets %q, which %s does not declare.", name, u.File), Subject: u.Vars.Range().Ptr()})
		}
	}
	for _, v := range u.Variables {
		val, ok := given[v.Name]
		from, subject := "vars", u.Vars
		if !ok {
			val, ok = inputs[v.Name]
			from, subject = "--var, --var-file or CLAWRUN_VAR_"+v.Name, nil
		}
		if !ok {
			val, ok = inventoryVar(host, v.Name)
			from = "the host's inventory vars"
		}
		switch {
		case ok:
			cv, err := convertTo(val, v.Type)
			if err != nil {
				r := u.DeclRange.Ptr()
				if subject != nil {
					r = subject.Range().Ptr()
				}
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable",
					Detail: fmt.Sprintf("%s: variable %q of %s needs %s: %s.", from, v.Name, u.File, v.Type.FriendlyName(), err), Subject: r})
				cv = cty.UnknownVal(v.Type)
			}
			val = cv
		case v.Default != cty.NilVal:
			val = v.Default
		default:
			// Without an inventory (validate), the host's vars may still
			// set it: unknown, as a top-level variable would be.
			if known && on && hostVarsKnown(host) {
				r := u.DeclRange
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No value for required variable",
					Detail: fmt.Sprintf("Variable %q of %s has no default; set it in this include's vars, with --var %s=..., or in the inventory vars.", v.Name, u.File, v.Name), Subject: &r})
			}
			val = cty.UnknownVal(v.Type)
		}
		if v.Sensitive {
			val = val.Mark(sensitiveMark)
		}
		out[v.Name] = val
	}
	return out, diags
}

// inventoryVar reads host.vars.<name> when the host's inventory vars are
// known (validate without an inventory has none).
func inventoryVar(host cty.Value, name string) (cty.Value, bool) {
	if host == cty.NilVal || !host.IsKnown() || host.IsNull() || !host.Type().IsObjectType() || !host.Type().HasAttribute("vars") {
		return cty.NilVal, false
	}
	hv := host.GetAttr("vars")
	if !hv.IsKnown() || hv.IsNull() || !hv.Type().IsObjectType() || !hv.Type().HasAttribute(name) {
		return cty.NilVal, false
	}
	return hv.GetAttr(name), true
}

// hostVarsKnown: the host's inventory vars are known (not validate
// without an inventory).
func hostVarsKnown(host cty.Value) bool {
	if host == cty.NilVal || !host.IsKnown() || host.IsNull() || !host.Type().IsObjectType() || !host.Type().HasAttribute("vars") {
		return false
	}
	return host.GetAttr("vars").IsKnown()
}

// unitDir is where an included task's relative paths resolve.
func (s *Scope) unitDir(u *Unit) string {
	if u == nil {
		return s.pb.Dir
	}
	return u.Dir
}

// functionsFor shares one function set among the included files of a
// folder: building one wraps every function, and parts/ holds many files.
func (s *Scope) functionsFor(dir string) map[string]function.Function {
	if dir == s.pb.Dir {
		return s.Ctx.Functions
	}
	if fs, ok := s.funcs[dir]; ok {
		return fs
	}
	if s.funcs == nil {
		s.funcs = map[string]map[string]function.Function{}
	}
	s.funcs[dir] = functions(dir, s.random, s.Secrets, s.pb.Reads)
	return s.funcs[dir]
}
