package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/event"
	"github.com/clawrun/clawrun/runner/transport"
)

// retryState is one attempt of a task with retries: a failure of an
// attempt that is not the last is kept here instead of failing the host.
type retryState struct {
	attempt int
	last    bool
	err     error
	// ranSteps: an earlier attempt ran steps before it failed, so the
	// host may have changed even if this attempt has nothing to do.
	ranSteps bool
}

// retryLater reports whether err ends this attempt only (another follows).
// An unreachable host is not retried: the connection is gone.
func (hr *hostRun) retryLater(err error) bool {
	if hr.retry == nil || hr.retry.last || errors.Is(err, transport.ErrUnreachable) {
		return false
	}
	hr.retry.err = err
	return true
}

// attempt is the number of the running attempt, 0 without retries.
func (hr *hostRun) attempt() int {
	if hr.retry == nil || hr.retry.attempt < 2 {
		return 0
	}
	return hr.retry.attempt
}

// runTaskRetrying runs a task; in apply, a failed task with retries is
// probed, planned and run again, up to Retries more times, Delay seconds
// apart. Each failed attempt is a "retry" event (one line in text output,
// with its whole error under -v). A task whose failed attempt ran steps
// counts as changed (and notifies) even when a later attempt has nothing
// left to do: the host changed. An
// interrupt makes the running attempt the last. Plan never retries: a
// plan shows what apply would do, and that does not change.
func (hr *hostRun) runTaskRetrying(ctx, work context.Context, j *job) jobOutcome {
	t := j.t
	if t.Retries == 0 || !hr.r.opts.Apply {
		return hr.runTask(work, j)
	}
	defer func() { hr.retry = nil }()
	retried, ranSteps := false, false
	for n := 1; ; n++ {
		hr.retry = &retryState{attempt: n, last: n > t.Retries || ctx.Err() != nil, ranSteps: ranSteps}
		out := hr.runTask(work, j)
		err := hr.retry.err
		ranSteps = ranSteps || (err != nil && out.changed)
		if err == nil {
			// A failed attempt may have changed the host: later probes
			// are stale even when the last attempt changed nothing.
			out.changed = out.changed || retried
			return out
		}
		retried = true
		hr.r.logf("%s: %s: attempt %d of %d failed: %v", hr.h.Name, t.ID, n, t.Retries+1, err)
		hr.r.emit(&event.Event{Type: event.Retry, Host: hr.h.Name, Task: t.ID, Module: t.Spec.Module, Status: event.StatusFailed,
			Error: err.Error(), Attempt: n, DelayS: t.Delay,
			Message: fmt.Sprintf("attempt %d of %d failed; retrying in %d s", n, t.Retries+1, t.Delay)})
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(t.Delay) * time.Second):
		}
		if t.Spec.Delegate == "" {
			res, err := hr.probe(work, []*playbooks.Task{t})
			if err != nil {
				hr.fail(t.ID, t.Spec.Module, err, j.start)
				return jobOutcome{changed: true}
			}
			j.probe = res[0]
		}
	}
}
