// Package playbooks loads clawrun playbooks (HCL), checks them before any
// host is contacted, and evaluates them per host into module configurations.
package playbooks

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/clawrun/clawrun/modules"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Playbook is a parsed playbook file.
type Playbook struct {
	File string
	Dir  string
	// Source is the file's bytes, for digests of saved plans.
	Source []byte

	Hosts         []string // inventory groups or hosts; default all
	Become        *bool    // nil: the inventory's setting
	Serial        int      // rolling batch size, 0 for all at once
	MaxFailPct    int      // stop starting batches above this failure rate
	ForceHandlers bool

	// UsesFacts is false when no expression or template can read
	// host.facts: facts then ride along with the first probe round trip.
	UsesFacts bool

	Variables []*Variable
	Locals    []*hcl.Attribute
	Tasks     []*TaskSpec
	Handlers  []*TaskSpec
}

// Variable is a declared input variable.
type Variable struct {
	Name        string
	Type        cty.Type
	Default     cty.Value // cty.NilVal when required
	Sensitive   bool
	Description string
	Range       hcl.Range
}

// TaskSpec is a task or handler block before per-host evaluation.
type TaskSpec struct {
	Module  string
	Name    string
	Handler bool
	Body    hcl.Body // module attributes (meta-attributes removed)

	When, ForEach, Become, Sensitive, IgnoreErrors, Timeout hcl.Expression
	// Delegate is "local" to run the task on the controller instead of
	// the host (e.g. to record a generated token for the operator).
	Delegate     string
	Tags         []string
	Notify       []string
	NotifyRanges []hcl.Range
	DeclRange    hcl.Range
}

// ID is "module.name", the way output names a task.
func (t *TaskSpec) ID() string { return t.Module + "." + t.Name }

var rootSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "hosts"}, {Name: "become"}, {Name: "serial"},
		{Name: "max_fail_percentage"}, {Name: "force_handlers"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "task", LabelNames: []string{"module", "name"}},
		{Type: "handler", LabelNames: []string{"module", "name"}},
	},
}

var variableSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "type"}, {Name: "default"}, {Name: "sensitive"}, {Name: "description"},
}}

var metaSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "when"}, {Name: "notify"}, {Name: "tags"}, {Name: "become"},
	{Name: "sensitive"}, {Name: "for_each"}, {Name: "ignore_errors"}, {Name: "delegate"},
	{Name: "timeout"},
}}

// Parser parses files and keeps their sources for diagnostics.
var Parser = newParser()

func newParser() *hclparse.Parser { return hclparse.NewParser() }

// Load parses a playbook and checks its structure: blocks, attributes,
// module names, handler references and static values. Values that depend on
// variables or hosts are checked by Check.
func Load(path string) (*Playbook, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read playbook", Detail: err.Error()}}
	}
	f, diags := Parser.ParseHCL(src, path)
	if diags.HasErrors() {
		return nil, diags
	}
	abs, _ := filepath.Abs(path)
	pb := &Playbook{File: path, Dir: filepath.Dir(abs), Source: src, Hosts: []string{"all"}, MaxFailPct: 100}
	pb.UsesFacts = usesFacts(pb.Dir, f.Body)
	content, d := f.Body.Content(rootSchema)
	diags = append(diags, d...)
	if a, ok := content.Attributes["hosts"]; ok {
		diags = append(diags, staticValue(a, cty.List(cty.String), &pb.Hosts)...)
	}
	if a, ok := content.Attributes["become"]; ok {
		var b bool
		diags = append(diags, staticValue(a, cty.Bool, &b)...)
		pb.Become = &b
	}
	if a, ok := content.Attributes["serial"]; ok {
		diags = append(diags, staticValue(a, cty.Number, &pb.Serial)...)
	}
	if a, ok := content.Attributes["max_fail_percentage"]; ok {
		diags = append(diags, staticValue(a, cty.Number, &pb.MaxFailPct)...)
	}
	if a, ok := content.Attributes["force_handlers"]; ok {
		diags = append(diags, staticValue(a, cty.Bool, &pb.ForceHandlers)...)
	}
	names := map[string]hcl.Range{}
	for _, b := range content.Blocks {
		switch b.Type {
		case "variable":
			v, d := loadVariable(b)
			diags = append(diags, d...)
			if v != nil {
				if prev, dup := names["var."+v.Name]; dup {
					diags = append(diags, dupDiag("variable", v.Name, b.DefRange, prev))
				}
				names["var."+v.Name] = b.DefRange
				pb.Variables = append(pb.Variables, v)
			}
		case "locals":
			attrs, d := b.Body.JustAttributes()
			diags = append(diags, d...)
			for _, a := range sortedAttrs(attrs) {
				if prev, dup := names["local."+a.Name]; dup {
					diags = append(diags, dupDiag("local", a.Name, a.NameRange, prev))
				}
				names["local."+a.Name] = a.NameRange
				pb.Locals = append(pb.Locals, a)
			}
		case "task", "handler":
			t, d := loadTask(b)
			diags = append(diags, d...)
			if t == nil {
				continue
			}
			key := b.Type + "." + t.Name
			if prev, dup := names[key]; dup {
				diags = append(diags, dupDiag(b.Type, t.Name, b.DefRange, prev))
			}
			names[key] = b.DefRange
			if t.Handler {
				pb.Handlers = append(pb.Handlers, t)
			} else {
				pb.Tasks = append(pb.Tasks, t)
			}
		}
	}
	for _, t := range append(append([]*TaskSpec{}, pb.Tasks...), pb.Handlers...) {
		for i, n := range t.Notify {
			if _, ok := names["handler."+n]; !ok {
				r := t.NotifyRanges[i]
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown handler",
					Detail: fmt.Sprintf("There is no handler named %q in this playbook.", n), Subject: &r})
			}
		}
	}
	return pb, diags
}

func dupDiag(kind, name string, r, prev hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate " + kind,
		Detail: fmt.Sprintf("%s %q was already declared at %s.", kind, name, prev), Subject: &r}
}

func loadVariable(b *hcl.Block) (*Variable, hcl.Diagnostics) {
	content, diags := b.Body.Content(variableSchema)
	v := &Variable{Name: b.Labels[0], Type: cty.DynamicPseudoType, Range: b.DefRange}
	if !hclsyntax.ValidIdentifier(v.Name) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid variable name", Subject: &b.LabelRanges[0]})
	}
	if a, ok := content.Attributes["type"]; ok {
		ty, d := typeexpr.TypeConstraint(a.Expr)
		diags = append(diags, d...)
		if !d.HasErrors() {
			v.Type = ty
		}
	}
	if a, ok := content.Attributes["sensitive"]; ok {
		diags = append(diags, staticValue(a, cty.Bool, &v.Sensitive)...)
	}
	if a, ok := content.Attributes["description"]; ok {
		diags = append(diags, staticValue(a, cty.String, &v.Description)...)
	}
	if a, ok := content.Attributes["default"]; ok {
		val, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			cv, err := convert.Convert(val, v.Type)
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid default value",
					Detail: fmt.Sprintf("The default does not match type %s: %s.", v.Type.FriendlyName(), err), Subject: a.Expr.Range().Ptr()})
			} else {
				v.Default = cv
			}
		}
	}
	return v, diags
}

func loadTask(b *hcl.Block) (*TaskSpec, hcl.Diagnostics) {
	t := &TaskSpec{Module: b.Labels[0], Name: b.Labels[1], Handler: b.Type == "handler", DeclRange: b.DefRange}
	var diags hcl.Diagnostics
	if _, ok := modules.Registry[t.Module]; !ok {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown module",
			Detail: fmt.Sprintf("There is no module %q. Modules: %v.", t.Module, modules.Names()), Subject: &b.LabelRanges[0]})
	}
	content, remain, d := b.Body.PartialContent(metaSchema)
	diags = append(diags, d...)
	t.Body = remain
	get := func(n string) hcl.Expression {
		if a, ok := content.Attributes[n]; ok {
			return a.Expr
		}
		return nil
	}
	t.When, t.ForEach, t.Become, t.Sensitive, t.IgnoreErrors = get("when"), get("for_each"), get("become"), get("sensitive"), get("ignore_errors")
	t.Timeout = get("timeout")
	if a, ok := content.Attributes["tags"]; ok {
		diags = append(diags, staticValue(a, cty.List(cty.String), &t.Tags)...)
	}
	if a, ok := content.Attributes["delegate"]; ok {
		diags = append(diags, staticValue(a, cty.String, &t.Delegate)...)
		if t.Delegate != "local" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid delegate",
				Detail: "delegate takes \"local\": run this task on the controller.", Subject: a.Expr.Range().Ptr()})
		}
	}
	if a, ok := content.Attributes["notify"]; ok {
		exprs, d := hcl.ExprList(a.Expr)
		diags = append(diags, d...)
		for _, e := range exprs {
			tr, d := hcl.AbsTraversalForExpr(e)
			if d.HasErrors() || len(tr) != 2 || tr.RootName() != "handler" {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid notify",
					Detail: "notify takes a list of handler references such as handler.reload_ssh.", Subject: e.Range().Ptr()})
				continue
			}
			step, _ := tr[1].(hcl.TraverseAttr)
			t.Notify = append(t.Notify, step.Name)
			t.NotifyRanges = append(t.NotifyRanges, e.Range())
		}
	}
	return t, diags
}

// staticValue evaluates an attribute that may not reference anything.
func staticValue(a *hcl.Attribute, ty cty.Type, target any) hcl.Diagnostics {
	val, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		return diags
	}
	return assignValue(val, ty, target, a)
}

func assignValue(val cty.Value, ty cty.Type, target any, a *hcl.Attribute) hcl.Diagnostics {
	cv, err := convert.Convert(val, ty)
	if err == nil && !cv.IsNull() {
		err = fromCty(cv, target)
	}
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Incorrect attribute value type",
			Detail: fmt.Sprintf("Inappropriate value for attribute %q: %s.", a.Name, err), Subject: a.Expr.Range().Ptr()}}
	}
	return nil
}

func convertTo(v cty.Value, ty cty.Type) (cty.Value, error) { return convert.Convert(v, ty) }
