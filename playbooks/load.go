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
	// Source is the file's bytes, then each included file's (see
	// include.go), for digests of saved plans.
	Source []byte
	// Reads logs the other controller files evaluation read.
	Reads *FileReads

	Hosts         []string // inventory groups or hosts; default all
	Become        *bool    // nil: the inventory's setting
	Serial        int      // rolling batch size, 0 for all at once
	MaxFailPct    int      // stop starting batches above this failure rate
	ForceHandlers bool

	// UsesFacts is false when no expression or template can read
	// host.facts: facts then ride along with the first probe round trip.
	UsesFacts bool
	reads     hostVarsReads // inventory vars read (ReadsName)

	Variables []*Variable
	Locals    []*hcl.Attribute
	Tasks     []*TaskSpec
	Handlers  []*TaskSpec
	// Units are the include blocks, in load order.
	Units []*Unit
	// inputs are the values CLAWRUN_VAR_*, --var-file, --var and a saved
	// plan give to names an included file declares (set by Resolve).
	inputs map[string]cty.Value
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
	// Retries and Delay re-run a failed task (see retries.go).
	Retries, Delay hcl.Expression
	// Delegate is "local" to run the task on the controller instead of
	// the host (e.g. to record a generated token for the operator).
	Delegate     string
	Tags         []string
	Notify       []string
	NotifyRanges []hcl.Range
	DeclRange    hcl.Range
	// Unit is the include this task came from; nil in the playbook itself.
	Unit *Unit
	// Needs are the earlier tasks whose results this one reads
	// (task.<module>.<name>.<attr>); Referenced is set on those.
	Needs      []*TaskSpec
	Referenced bool
}

// ID is "module.name", the way output names a task; an included task's
// carries the include's name ("ssh.file.sshd_hardening").
func (t *TaskSpec) ID() string { return t.Unit.prefix() + t.Module + "." + t.Name }

// Key names a handler for notify: its name, after the include's.
func (t *TaskSpec) Key() string { return t.Unit.prefix() + t.Name }

// HandlerID is how output names a handler ("handler.reload_ssh",
// "ssh.handler.reload_ssh").
func (t *TaskSpec) HandlerID() string { return t.Unit.prefix() + "handler." + t.Name }

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
		{Type: "include", LabelNames: []string{"name"}},
	},
}

var variableSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "type"}, {Name: "default"}, {Name: "sensitive"}, {Name: "description"},
}}

var metaSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "when"}, {Name: "notify"}, {Name: "tags"}, {Name: "become"},
	{Name: "sensitive"}, {Name: "for_each"}, {Name: "ignore_errors"}, {Name: "delegate"},
	{Name: "retries"}, {Name: "delay"},
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
	pb := &Playbook{File: path, Dir: filepath.Dir(abs), Source: src, Reads: &FileReads{}, Hosts: []string{"all"}, MaxFailPct: 100}
	pb.UsesFacts = usesFacts(pb.Dir, f.Body)
	pb.noteReads(pb.Dir, f.Body)
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
	diags = append(diags, pb.loadBlocks(content.Blocks, nil, []string{abs})...)
	return pb, diags
}

// loadBlocks loads a file's variable, locals, task, handler and include
// blocks: the playbook's own (u nil) or an included file's. stack holds
// the absolute paths of the files being included, for cycles.
func (pb *Playbook) loadBlocks(blocks hcl.Blocks, u *Unit, stack []string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	vars, locals := &pb.Variables, &pb.Locals
	if u != nil {
		vars, locals = &u.Variables, &u.Locals
	}
	var own []*TaskSpec
	names := map[string]hcl.Range{}
	for _, b := range blocks {
		switch b.Type {
		case "variable":
			v, d := loadVariable(b)
			diags = append(diags, d...)
			if v != nil {
				if prev, dup := names["var."+v.Name]; dup {
					diags = append(diags, dupDiag("variable", v.Name, b.DefRange, prev))
				}
				names["var."+v.Name] = b.DefRange
				*vars = append(*vars, v)
			}
		case "locals":
			attrs, d := b.Body.JustAttributes()
			diags = append(diags, d...)
			for _, a := range sortedAttrs(attrs) {
				if prev, dup := names["local."+a.Name]; dup {
					diags = append(diags, dupDiag("local", a.Name, a.NameRange, prev))
				}
				names["local."+a.Name] = a.NameRange
				*locals = append(*locals, a)
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
			t.Unit = u
			u.addTags(t)
			own = append(own, t)
			if t.Handler {
				pb.Handlers = append(pb.Handlers, t)
			} else {
				pb.Tasks = append(pb.Tasks, t)
			}
		case "include":
			if prev, dup := names["include."+b.Labels[0]]; dup {
				diags = append(diags, dupDiag("include", b.Labels[0], b.DefRange, prev))
			}
			names["include."+b.Labels[0]] = b.DefRange
			diags = append(diags, pb.loadInclude(b, u, stack)...)
		}
	}
	diags = append(diags, linkResults(own)...)
	// A file's notify names its own handlers; stored with the include's
	// name, so that included files never notify each other's.
	for _, t := range own {
		for i, n := range t.Notify {
			if _, ok := names["handler."+n]; !ok {
				r := t.NotifyRanges[i]
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown handler",
					Detail: fmt.Sprintf("There is no handler named %q in this file.", n), Subject: &r})
			}
			t.Notify[i] = u.prefix() + n
		}
	}
	return diags
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
	t.Retries, t.Delay = get("retries"), get("delay")
	t.Timeout = get("timeout")
	diags = append(diags, handlerOnly(t, content)...)
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

// handlerOnly refuses meta-attributes a handler does not honour: handlers
// run on the host that notified them, once, and notify nothing.
func handlerOnly(t *TaskSpec, content *hcl.BodyContent) hcl.Diagnostics {
	if !t.Handler {
		return nil
	}
	var diags hcl.Diagnostics
	for _, n := range []string{"delegate", "retries", "delay", "notify"} {
		if a, ok := content.Attributes[n]; ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Not allowed on a handler",
				Detail: fmt.Sprintf("%s applies to tasks only: a handler runs once, at the end, on the host that notified it. Use a task for this.", n), Subject: a.NameRange.Ptr()})
		}
	}
	return diags
}
