package runner

import (
	"context"
	"time"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/event"
	"github.com/clawrun/clawrun/runner/transport"
)

// runHandlers runs notified handlers once, in declaration order. Their
// probes usually came with the last change's round trip; each handler's
// steps bring the probes of those after it.
func (hr *hostRun) runHandlers(ctx context.Context) {
	hr.follow = nil
	pending := hr.notified(nil)
	for _, spec := range hr.r.pb.Handlers {
		if !hr.changed[spec.Key()] {
			continue
		}
		for _, t := range hr.handlers[spec.Key()] {
			start := time.Now()
			ev := &event.Event{Type: event.Handler, Host: hr.h.Name, Task: spec.HandlerID(), Module: spec.Module, Status: event.StatusChanged}
			if t.Skip {
				ev.Status = event.StatusSkipped
				hr.r.emit(ev)
				continue
			}
			if !hr.r.opts.Apply && readOnly(t) {
				ev.Status = event.StatusOK
				hr.r.emit(ev)
				continue
			}
			if !hr.r.opts.Apply {
				ev.Changes = []modules.Line{{Sign: "!", Text: "may run"}}
				hr.r.emit(ev)
				continue
			}
			if len(pending) > 0 && pending[0] == t {
				pending = pending[1:]
			}
			var err error
			res, ok := hr.handlerProbes[t]
			if !ok {
				var r []transport.ProbeResult
				if r, err = hr.probe(ctx, []*playbooks.Task{t}); err == nil {
					res = r[0]
				}
			}
			var plan *modules.Plan
			if err == nil {
				plan, err = hr.plan(t, hr.info, res)
			}
			if err == nil && plan.Changed() {
				hr.describe(ev, t, plan)
				hr.follow, hr.followed = pending, nil
				err = hr.execute(ctx, hr.conn, t, hr.become(t), plan)
				hr.handlerProbes = nil
				if hr.followed != nil {
					hr.keepHandlerProbes(hr.follow, hr.followed)
				}
				hr.follow, hr.followed = nil, nil
			} else if err == nil && len(plan.Checks) > 0 {
				err = hr.runChecks(ctx, hr.conn, t, hr.become(t), plan)
			}
			ev.DurationMS = time.Since(start).Milliseconds()
			if err != nil {
				ev.Status, ev.Error, ev.Ignored = event.StatusFailed, err.Error(), t.IgnoreErrors
				if !t.IgnoreErrors {
					hr.failed = true
				}
				hr.r.emit(ev)
				continue
			}
			if !plan.Changed() {
				ev.Status = event.StatusOK
			}
			hr.r.emit(ev)
		}
	}
}
