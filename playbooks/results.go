package playbooks

import (
	"fmt"
	"slices"

	"github.com/clawrun/clawrun/modules"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Task results as values: task.<module>.<name>.changed for every task, and
// .stdout, .stderr, .exit_code for command, readable by later tasks of the
// same file (and by its handlers). Until a task has run they are unknown:
// plan shows the tasks that depend on them as "(known after apply)", and
// apply evaluates such a task again right before it runs.

// ResultType is the object task.<module>.<name> holds.
func ResultType(module string) cty.Type {
	attrs := map[string]cty.Type{"changed": cty.Bool}
	if module == "command" {
		attrs["stdout"], attrs["stderr"], attrs["exit_code"] = cty.String, cty.String, cty.Number
	}
	return cty.Object(attrs)
}

// linkResults finds, for each task of one file, the earlier tasks whose
// results it reads (Needs), and reports references that cannot work.
func linkResults(own []*TaskSpec) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for i, t := range own {
		for _, tr := range bodyTraversals(t.Body, t.ForEach) {
			if tr.RootName() != "task" {
				continue
			}
			rng := tr.SourceRange()
			bad := func(detail string) {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid task result reference", Detail: detail, Subject: &rng})
			}
			if len(tr) < 4 {
				bad("A task result is task.<module>.<name>.<attribute>, e.g. task.command.detect.stdout.")
				continue
			}
			if t.Handler {
				bad("Handlers cannot read task results: give the value to a task, or notify from the task that produces it.")
				continue
			}
			mod, name, attr := travName(tr[1]), travName(tr[2]), travName(tr[3])
			j := slices.IndexFunc(own, func(o *TaskSpec) bool { return !o.Handler && o.Module == mod && o.Name == name })
			switch {
			case j < 0:
				bad(fmt.Sprintf("There is no task %s.%s in this file.", mod, name))
				continue
			case j >= i:
				bad(fmt.Sprintf("task.%s.%s runs after this task: only earlier tasks' results can be read.", mod, name))
				continue
			case !ResultType(mod).HasAttribute(attr):
				bad(fmt.Sprintf("task.%s.%s has no %q: a task has changed; a command also stdout, stderr and exit_code.", mod, name, attr))
				continue
			}
			if t.ForEach != nil && exprReads(t.ForEach, "task") {
				bad("for_each cannot depend on a task result: the number of instances must be known before the play runs.")
				continue
			}
			own[j].Referenced = true
			if !slices.Contains(t.Needs, own[j]) {
				t.Needs = append(t.Needs, own[j])
			}
		}
	}
	return diags
}

func travName(s hcl.Traverser) string {
	switch s := s.(type) {
	case hcl.TraverseAttr:
		return s.Name
	case hcl.TraverseIndex:
		if s.Key.Type() == cty.String {
			return s.Key.AsString()
		}
	}
	return ""
}

func exprReads(e hcl.Expression, root string) bool {
	for _, tr := range e.Variables() {
		if tr.RootName() == root {
			return true
		}
	}
	return false
}

// bodyTraversals lists every variable reference in a task's body (meta
// attributes included: the body is the block's), nested blocks too.
func bodyTraversals(b hcl.Body, extra ...hcl.Expression) []hcl.Traversal {
	var out []hcl.Traversal
	for _, e := range extra {
		if e != nil {
			out = append(out, e.Variables()...)
		}
	}
	sb, ok := b.(*hclsyntax.Body)
	if !ok {
		return out
	}
	var walk func(*hclsyntax.Body)
	walk = func(sb *hclsyntax.Body) {
		for _, a := range sb.Attributes {
			out = append(out, a.Expr.Variables()...)
		}
		for _, blk := range sb.Blocks {
			walk(blk.Body)
		}
	}
	walk(sb)
	return out
}

// resultsValue is the "task" object of one file: every task's result,
// unknown until SetResult.
func (s *Scope) resultsValue(u *Unit) cty.Value {
	mods := map[string]map[string]cty.Value{}
	for _, t := range s.pb.Tasks {
		if t.Unit != u {
			continue
		}
		if mods[t.Module] == nil {
			mods[t.Module] = map[string]cty.Value{}
		}
		v, ok := s.results[t]
		if !ok {
			v = cty.UnknownVal(ResultType(t.Module))
		}
		mods[t.Module][t.Name] = v
	}
	obj := map[string]cty.Value{}
	for m, names := range mods {
		obj[m] = cty.ObjectVal(names)
	}
	return cty.ObjectVal(obj)
}

// SetResult records what a task did on this host, for the tasks after it.
// Values not known (plan: a command that would run) stay unknown.
func (s *Scope) SetResult(spec *TaskSpec, r modules.Result) {
	if s.results == nil {
		s.results = map[*TaskSpec]cty.Value{}
	}
	ty := ResultType(spec.Module)
	attrs := map[string]cty.Value{"changed": cty.UnknownVal(cty.Bool)}
	if r.ChangedKnown {
		attrs["changed"] = cty.BoolVal(r.Changed)
	}
	if ty.HasAttribute("stdout") {
		attrs["stdout"], attrs["stderr"], attrs["exit_code"] = cty.UnknownVal(cty.String), cty.UnknownVal(cty.String), cty.UnknownVal(cty.Number)
		if r.OutputKnown {
			attrs["stdout"], attrs["stderr"], attrs["exit_code"] = cty.StringVal(r.Stdout), cty.StringVal(r.Stderr), cty.NumberIntVal(int64(r.ExitCode))
		}
	}
	if r.Skipped {
		for k, v := range attrs {
			attrs[k] = cty.NullVal(v.Type())
		}
	}
	v := cty.ObjectVal(attrs)
	if r.Sensitive {
		v = v.Mark(sensitiveMark)
	}
	s.results[spec] = v
	if spec.Unit == nil {
		s.Ctx.Variables["task"] = s.resultsValue(nil)
	} else if us := s.units[spec.Unit]; us != nil && us.ctx != nil {
		us.ctx.Variables["task"] = s.resultsValue(spec.Unit)
	}
}

// Reinstantiate evaluates a task again, with the results recorded so far,
// and returns the instance with the given ID.
func (s *Scope) Reinstantiate(spec *TaskSpec, id string) (*Task, hcl.Diagnostics) {
	ts, diags := s.Instantiate(spec)
	if diags.HasErrors() {
		return nil, diags
	}
	for _, t := range ts {
		if t.ID == id {
			return t, nil
		}
	}
	return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Task instance vanished",
		Detail: fmt.Sprintf("%s is no longer an instance of this task.", id), Subject: &spec.DeclRange}}
}
