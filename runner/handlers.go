package runner

import (
	"context"
	"time"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/event"
)

// runHandlers runs notified handlers once, in declaration order, through
// the tasks' pipeline. Their probes usually came with the last change's
// round trip; each handler's steps bring the probes of those after it.
func (hr *hostRun) runHandlers(ctx context.Context) {
	pending := hr.notified(nil)
	for _, spec := range hr.r.pb.Handlers {
		if !hr.changed[spec.Key()] {
			continue
		}
		for _, t := range hr.handlers[spec.Key()] {
			if len(pending) > 0 && pending[0] == t {
				pending = pending[1:]
			}
			j := &job{t: t, start: time.Now(), handler: true}
			if hr.handlerPlanned(j) {
				continue
			}
			res, ok := hr.handlerProbes[t]
			if !ok {
				r, err := hr.probe(ctx, []*playbooks.Task{t})
				if err != nil {
					hr.failJob(j, err)
					continue
				}
				res = r[0]
			}
			j.probe, j.follow = res, pending
			hr.lastRun = nil // the last task's output is not this handler's
			// A failed handler fails the host; the others still run.
			if out := hr.runTask(ctx, j); out.changed {
				hr.handlerProbes = nil
				if out.followed != nil {
					hr.keepHandlerProbes(pending, out.followed)
				}
			}
		}
	}
}

// handlerPlanned reports a handler that is done without the pipeline: a
// skipped one, and every one in plan, which plans no handler: whether it
// runs depends on what apply changes.
func (hr *hostRun) handlerPlanned(j *job) bool {
	ev := hr.newEvent(j, event.StatusChanged)
	switch {
	case j.t.Skip:
		ev.Status = event.StatusSkipped
	case hr.r.opts.Apply:
		return false
	case readOnly(j.t):
		ev.Status = event.StatusOK
	default:
		ev.Changes = []modules.Line{{Sign: "!", Text: "may run"}}
	}
	hr.r.emit(ev)
	return true
}
