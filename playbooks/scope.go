package playbooks

import (
	"fmt"
	"sort"
	"time"

	"github.com/clawrun/clawrun/modules"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

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
	insts := []forEachInst{{}}
	if spec.ForEach != nil {
		var d hcl.Diagnostics
		insts, d = forEachInsts(spec, base)
		diags = append(diags, d...)
		if d.HasErrors() {
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

// forEachInst is one instance of a task with for_each.
type forEachInst struct {
	key  string
	each cty.Value
}

// forEachInsts evaluates a task's for_each: its instances, by key.
func forEachInsts(spec *TaskSpec, base *hcl.EvalContext) ([]forEachInst, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	insts := []forEachInst{{}}
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
		insts = []forEachInst{{key: "", each: cty.ObjectVal(map[string]cty.Value{"key": cty.UnknownVal(cty.String), "value": cty.DynamicVal})}}
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
			insts = append(insts, forEachInst{key: ks.AsString(), each: cty.ObjectVal(map[string]cty.Value{"key": ks, "value": v})})
		}
		sort.SliceStable(insts, func(i, j int) bool { return insts[i].key < insts[j].key })
	default:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid for_each",
			Detail:  fmt.Sprintf("for_each takes a map or a set of strings, not %s; wrap a list in toset().", fe.Type().FriendlyName()),
			Subject: spec.ForEach.Range().Ptr()})
		return nil, diags
	}
	return insts, diags
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
