package playbooks

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// DefaultDelay is the pause between attempts of a task with retries, in
// seconds, when the task sets no delay.
const DefaultDelay = 5

// maxRetries bounds retries: a typo (retries = 1000) must not keep a host
// busy for hours.
const maxRetries = 100

// retryMeta evaluates retries and delay for one task instance.
func (s *Scope) retryMeta(ctx *hcl.EvalContext, spec *TaskSpec, t *Task) hcl.Diagnostics {
	t.Delay = DefaultDelay
	var diags hcl.Diagnostics
	if spec.Retries != nil {
		diags = append(diags, intMeta(ctx, spec.Retries, "retries", 0, maxRetries, &t.Retries)...)
	}
	if spec.Delay != nil {
		diags = append(diags, intMeta(ctx, spec.Delay, "delay", 0, 3600, &t.Delay)...)
	}
	return diags
}

// intMeta evaluates a whole-number meta-attribute in [lo, hi]; an unknown
// value (validate time) leaves target unchanged.
func intMeta(ctx *hcl.EvalContext, e hcl.Expression, name string, lo, hi int, target *int) hcl.Diagnostics {
	v, diags := e.Value(ctx)
	if diags.HasErrors() {
		return diags
	}
	v, _ = v.Unmark()
	bad := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid " + name,
		Detail: fmt.Sprintf("%s must be a whole number from %d to %d.", name, lo, hi), Subject: e.Range().Ptr()}}
	v, err := convert.Convert(v, cty.Number)
	if err != nil || v.IsNull() {
		return bad
	}
	if !v.IsKnown() {
		return nil
	}
	bf := v.AsBigFloat()
	n, acc := bf.Int64()
	if !bf.IsInt() || acc != 0 || n < int64(lo) || n > int64(hi) {
		return bad
	}
	*target = int(n)
	return nil
}
