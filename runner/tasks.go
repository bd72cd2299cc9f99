package runner

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/event"
	"github.com/clawrun/clawrun/runner/transport"
)

// runTasks probes all tasks in one round trip, then walks them in order.
// After a change, later tasks are probed again, since their state may
// depend on it: in the change's own round trip, up to the next task that
// is expected to change (see window).
func (hr *hostRun) runTasks(ctx, work context.Context, tasks []*playbooks.Task) {
	var probes []transport.ProbeResult
	probedFrom := -1
	first := true
	latest := make([]*transport.ProbeResult, len(tasks))
	keep := func(from int, res []transport.ProbeResult) {
		for k := range res {
			latest[from+k] = &res[k]
		}
	}
	if rp := hr.r.opts.Replay; rp != nil && rp.Hosts[hr.h.Name] == nil {
		hr.fail("plan", "", fmt.Errorf("%s is not in the saved plan: plan again", hr.h.Name), time.Now())
		return
	}
	for i, t := range tasks {
		if ctx.Err() != nil {
			return
		}
		start := time.Now()
		if t.Spec.Needs != nil {
			// It reads earlier tasks' results: evaluate it again with them.
			if !hr.refresh(tasks, i, start) {
				return
			}
			t = tasks[i]
			if !t.Skip && t.Pending {
				hr.knownAfterApply(t, start)
				hr.recordResult(t, true, transport.ProbeResult{})
				continue
			}
			probedFrom = -1 // its probe was taken before its values were known
		}
		if t.Skip {
			hr.r.emit(&event.Event{Type: event.Task, Host: hr.h.Name, Task: t.ID, Module: t.Spec.Module, Status: event.StatusSkipped})
			hr.recordResult(t, false, transport.ProbeResult{})
			continue
		}
		var p transport.ProbeResult
		if t.Spec.Delegate == "" {
			if probedFrom < 0 || i-probedFrom >= len(probes) {
				var err error
				if probes, err = hr.probe(work, tasks[i:]); err != nil {
					hr.fail(t.ID, t.Spec.Module, err, start)
					return
				}
				probedFrom = i
				keep(i, probes)
				if first && hr.r.opts.Replay != nil {
					// Before anything changes: is every host as planned?
					if err := hr.checkDrift(tasks[i:], probes); err != nil {
						hr.fail("plan", "", err, start)
						return
					}
				}
				first = false
			}
			p = probes[i-probedFrom]
		}
		// A change makes later probes stale: they are taken again in the
		// same round trip as the change's steps.
		end := hr.window(tasks, latest, i+1)
		hr.follow, hr.followed = tasks[i+1:end], nil
		if end == len(tasks) {
			hr.follow = append(hr.follow, hr.notified(t.Spec.Notify)...)
		}
		hr.r.taskStarted(hr.h.Name, t.ID)
		hr.lastRun = nil
		changed, ok := hr.runTaskRetrying(ctx, work, t, p, start)
		hr.recordResult(t, changed, p)
		follow, followed := hr.follow, hr.followed
		hr.follow, hr.followed = nil, nil
		if !ok {
			return
		}
		if changed && hr.r.opts.Apply && t.Spec.Delegate == "" {
			probedFrom = -1 // later tasks may see a different host now
			hr.handlerProbes = nil
			if followed != nil {
				n := end - (i + 1)
				probes, probedFrom = followed[:n], i+1
				keep(i+1, probes)
				hr.keepHandlerProbes(follow[n:], followed[n:])
			}
		}
	}
}

// window picks the tasks from `from` on whose probes ride along with a
// change: up to and including the next one expected to change, judged by
// planning it on its latest probe. Probing further would be wasted: that
// task's own round trip probes what follows it. A no-change run never
// gets here; a first run re-probes one or two tasks per change instead of
// all that remain.
func (hr *hostRun) window(tasks []*playbooks.Task, latest []*transport.ProbeResult, from int) int {
	if !hr.r.opts.Apply {
		return len(tasks)
	}
	for j := from; j < len(tasks); j++ {
		t := tasks[j]
		if t.Skip || t.Spec.Delegate != "" || t.Module == nil {
			continue
		}
		if t.Pending {
			return j + 1 // planned once the results it reads are known
		}
		p := latest[j]
		if p == nil || p.Code != 0 {
			return j + 1
		}
		if plan, err := t.Module.Plan(hr.info, p.Out); err != nil || plan.Changed() {
			return j + 1
		}
	}
	return len(tasks)
}

// notified lists the handler tasks notified so far, plus those the running
// task would notify, in declaration order.
func (hr *hostRun) notified(more []string) []*playbooks.Task {
	var out []*playbooks.Task
	for _, spec := range hr.r.pb.Handlers {
		if !hr.changed[spec.Key()] && !slices.Contains(more, spec.Key()) {
			continue
		}
		for _, t := range hr.handlers[spec.Key()] {
			if !t.Skip {
				out = append(out, t)
			}
		}
	}
	return out
}

func (hr *hostRun) keepHandlerProbes(tasks []*playbooks.Task, res []transport.ProbeResult) {
	hr.handlerProbes = map[*playbooks.Task]transport.ProbeResult{}
	for k, t := range tasks {
		hr.handlerProbes[t] = res[k]
	}
}
