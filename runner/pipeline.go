package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/event"
	"github.com/clawrun/clawrun/runner/planfile"
	"github.com/clawrun/clawrun/runner/transport"
)

// runTask plans one task from its probe output and, in apply, executes
// the plan. Delegated tasks probe and run on the controller, one at a time
// across hosts (they usually share a file). It reports whether the task
// changed (or would change) and whether the host may go on.
func (hr *hostRun) runTask(work context.Context, t *playbooks.Task, p transport.ProbeResult, start time.Time) (changed, ok bool) {
	conn, info, become := hr.conn, hr.info, hr.become(t)
	if hr.noExec(t) {
		hr.r.emit(&event.Event{Type: event.Task, Host: hr.h.Name, Task: t.ID, Module: t.Spec.Module, Status: event.StatusNotChecked,
			Message: noExecReason(t), DurationMS: time.Since(start).Milliseconds()})
		return false, true
	}
	if t.Spec.Delegate != "" {
		hr.r.delegateMu.Lock()
		defer hr.r.delegateMu.Unlock()
		conn, info, become = hr.r.local, &modules.Host{Name: "localhost", Local: true}, false
		if !hr.r.opts.Apply {
			info.Pending = hr.r.localPending // earlier hosts' plans of it
		}
		res, err := transport.RunProbes(work, conn, []transport.ProbeItem{{Script: t.Module.Probe()}})
		if err != nil {
			if hr.retryLater(err) {
				return false, false
			}
			return false, hr.failTask(t, err, start)
		}
		p = res[0]
	}
	plan, err := hr.plan(t, info, p)
	if err != nil {
		if hr.retryLater(err) {
			return false, false
		}
		return false, hr.failTask(t, err, start)
	}
	hr.claim(t, info, plan)
	caveat := hr.taskCaveat(t)
	ev := &event.Event{Type: event.Task, Host: hr.h.Name, Task: t.ID, Module: t.Spec.Module, Status: event.StatusOK, Caveat: caveat, Attempt: hr.attempt()}
	if pf := hr.r.opts.Record; pf != nil {
		status := event.StatusOK
		if plan.Changed() {
			status = event.StatusChanged
		}
		ph := pf.ForHost(hr.h.Name)
		ph.Tasks[t.ID] = &planfile.Task{Status: status, Probe: pf.ProbeDigest(t.Module, p), Steps: pf.StepsDigest(plan, pf.VolatileRecorded(hr.h.Name, hr.r.secrets)), Caveat: caveat}
		ph.Order = append(ph.Order, t.ID)
	}
	if rp := hr.r.opts.Replay; rp != nil && t.Spec.Delegate == "" && hr.attempt() <= 1 {
		if err := hr.checkPlanned(rp, t, plan); err != nil {
			hr.fail(t.ID, t.Spec.Module, err, start)
			return false, false
		}
	}
	if !hr.r.opts.Apply && plan.Changed() && plan.Opaque != "" && hr.caveat == "" {
		hr.caveat = fmt.Sprintf("planned before %s %s", t.ID, plan.Opaque)
	}
	if !plan.Changed() {
		if hr.r.opts.Apply && len(plan.Checks) > 0 {
			if err := hr.runChecks(work, conn, t, become, plan); err != nil {
				if hr.retryLater(err) {
					return false, false
				}
				return false, hr.failEvent(ev, t, err, start)
			}
		}
		if hr.retry != nil && hr.retry.ranSteps {
			// A failed attempt ran steps: the host changed all the same.
			ev.Message = "an earlier attempt changed the host"
			return hr.changedTask(ev, t, start)
		}
		ev.DurationMS = time.Since(start).Milliseconds()
		hr.r.emit(ev)
		return false, true
	}
	hr.describe(ev, t, plan)
	if !hr.r.opts.Apply {
		hr.predict(t, info, plan)
	}
	if hr.r.opts.Apply {
		if plan.Opaque != "" && t.Spec.Delegate == "" {
			hr.opaqueApplied = true
		}
		hr.output = ""
		err := hr.execute(work, conn, t, become, plan)
		ev.Output = hr.output
		hr.hideOutput(t, ev)
		if err != nil {
			if hr.retryLater(err) {
				return true, false
			}
			return true, hr.failEvent(ev, t, err, start)
		}
	}
	return hr.changedTask(ev, t, start)
}

// changedTask counts, notifies and reports a task that changed the host.
func (hr *hostRun) changedTask(ev *event.Event, t *playbooks.Task, start time.Time) (changed, ok bool) {
	ev.Status = event.StatusChanged
	for _, n := range t.Spec.Notify {
		hr.changed[n] = true
	}
	ev.DurationMS = time.Since(start).Milliseconds()
	hr.r.emit(ev)
	return true, true
}

func (hr *hostRun) describe(ev *event.Event, t *playbooks.Task, plan *modules.Plan) {
	ev.Changes = plan.Lines
	ev.Diff = redactDiff(plan.Diff, hr.r.secrets, carriesSecret(t))
	if t.Sensitive {
		ev.Diff = ""
		for i := range ev.Changes {
			ev.Changes[i].Text = playbooks.Redacted
		}
		if plan.Diff != "" {
			ev.Diff = "(diff hidden: sensitive task)\n"
		}
	}
}

// noExec reports whether plan --no-exec leaves the task unprobed: its
// probe runs shell the playbook wrote, or it runs on the controller
// (delegate = "local"), where a probe of any path (a plan key, an SSH
// private key) would print the controller's files into the review.
func (hr *hostRun) noExec(t *playbooks.Task) bool {
	if !hr.r.opts.NoExec {
		return false
	}
	onController := t.Spec.Delegate != ""
	us, ok := t.Module.(modules.UserShell)
	return onController || ok && us.RunsUserShell()
}

func noExecReason(t *playbooks.Task) string {
	if t.Spec.Delegate != "" {
		return "not checked: it runs on the controller (delegate), whose files --no-exec does not read"
	}
	return "not checked: its probe runs a command the playbook wrote (--no-exec)"
}

// carriesSecret reports whether a task's configuration holds a sensitive value.
func carriesSecret(t *playbooks.Task) bool {
	for _, a := range t.Attrs {
		if a.Sensitive {
			return true
		}
	}
	return false
}

// failTask reports a task's failure; with ignore_errors it is counted as
// ignored and the host goes on. It reports whether the host may go on.
func (hr *hostRun) failTask(t *playbooks.Task, err error, start time.Time) bool {
	if !t.IgnoreErrors {
		hr.fail(t.ID, t.Spec.Module, err, start)
		return false
	}
	hr.r.emit(&event.Event{Type: event.Task, Host: hr.h.Name, Task: t.ID, Module: t.Spec.Module, Status: event.StatusFailed, Ignored: true,
		Error: err.Error(), DurationMS: time.Since(start).Milliseconds()})
	return true
}

func (hr *hostRun) fail(task, module string, err error, start time.Time) {
	hr.failed = true
	status := event.StatusFailed
	if errors.Is(err, transport.ErrUnreachable) {
		status = event.StatusUnreachable
	}
	hr.r.emit(&event.Event{Type: event.Task, Host: hr.h.Name, Task: task, Module: module, Status: status, Error: err.Error(), DurationMS: time.Since(start).Milliseconds()})
}
