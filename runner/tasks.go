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

// probeWindow is what runTasks holds of the host's state: the probes of
// the tasks from index from on (from < 0: none still valid) and the
// latest probe taken of each task.
type probeWindow struct {
	probes  []transport.ProbeResult
	from    int
	latest  []*transport.ProbeResult
	checked bool // apply PLANFILE compared the first probes with the plan
}

func (pw *probeWindow) set(from int, res []transport.ProbeResult) {
	pw.probes, pw.from = res, from
	for k := range res {
		pw.latest[from+k] = &res[k]
	}
}

func (pw *probeWindow) has(i int) bool { return pw.from >= 0 && i-pw.from < len(pw.probes) }

// runTasks probes all tasks in one round trip, then walks them in order.
// After a change, later tasks are probed again, since their state may
// depend on it: in the change's own round trip, up to the next task that
// is expected to change (see window).
func (hr *hostRun) runTasks(ctx, work context.Context, tasks []*playbooks.Task) {
	pw := &probeWindow{from: -1, latest: make([]*transport.ProbeResult, len(tasks))}
	if rp := hr.r.opts.Replay; rp != nil && rp.Hosts[hr.h.Name] == nil {
		hr.fail("plan", "", fmt.Errorf("%s is not in the saved plan: plan again", hr.h.Name), time.Now())
		return
	}
	for i := range tasks {
		if ctx.Err() != nil {
			return
		}
		start := time.Now()
		t, run, ok := hr.ready(tasks, i, start, pw)
		if !ok {
			return
		}
		if !run {
			continue
		}
		j := &job{t: t, start: start}
		if t.Spec.Delegate == "" {
			if !pw.has(i) && !hr.probeFrom(work, tasks, i, start, pw) {
				return
			}
			j.probe = pw.probes[i-pw.from]
		}
		// A change makes later probes stale: they are taken again in the
		// same round trip as the change's steps.
		end := hr.window(tasks, pw.latest, i+1)
		j.follow = slices.Clip(tasks[i+1 : end])
		if end == len(tasks) {
			j.follow = append(j.follow, hr.notified(t.Spec.Notify)...)
		}
		hr.r.taskStarted(hr.h.Name, t.ID)
		hr.lastRun = nil
		probe := j.probe
		out := hr.runTaskRetrying(ctx, work, j)
		hr.recordResult(t, out.changed, probe)
		if !out.ok {
			return
		}
		if out.changed && hr.r.opts.Apply && t.Spec.Delegate == "" {
			pw.from = -1 // later tasks may see a different host now
			hr.handlerProbes = nil
			if out.followed != nil {
				n := end - (i + 1)
				pw.set(i+1, out.followed[:n])
				hr.keepHandlerProbes(j.follow[n:], out.followed[n:])
			}
		}
	}
}

// ready readies task i: evaluated again when it reads earlier tasks'
// results, reported at once when skipped or known only after apply. run
// says whether it goes on to be probed and run; ok false stops the host.
func (hr *hostRun) ready(tasks []*playbooks.Task, i int, start time.Time, pw *probeWindow) (t *playbooks.Task, run, ok bool) {
	t = tasks[i]
	if t.Spec.Needs != nil {
		// It reads earlier tasks' results: evaluate it again with them.
		if !hr.refresh(tasks, i, start) {
			return nil, false, false
		}
		t = tasks[i]
		if !t.Skip && t.Pending {
			hr.knownAfterApply(t, start)
			hr.recordResult(t, true, transport.ProbeResult{})
			return t, false, true
		}
		pw.from = -1 // its probe was taken before its values were known
	}
	if t.Skip {
		hr.r.emit(&event.Event{Type: event.Task, Host: hr.h.Name, Task: t.ID, Module: t.Spec.Module, Status: event.StatusSkipped})
		hr.recordResult(t, false, transport.ProbeResult{})
		return t, false, true
	}
	return t, true, true
}

// probeFrom probes tasks[i:] in one round trip. The first time, before
// anything changed, apply PLANFILE checks that the host is as planned.
func (hr *hostRun) probeFrom(work context.Context, tasks []*playbooks.Task, i int, start time.Time, pw *probeWindow) bool {
	t := tasks[i]
	probes, err := hr.probe(work, tasks[i:])
	if err != nil {
		hr.fail(t.ID, t.Spec.Module, err, start)
		return false
	}
	pw.set(i, probes)
	if !pw.checked && hr.r.opts.Replay != nil {
		if err := hr.checkDrift(tasks[i:], probes); err != nil {
			hr.fail("plan", "", err, start)
			return false
		}
	}
	pw.checked = true
	return true
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
