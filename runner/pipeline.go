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

// job is one task or notified handler on its way through the pipeline:
// plan from its probe, record or check against a saved plan, execute,
// count and report. Tasks and handlers share it; handler marks where they
// differ (no saved-plan entry, no delegation, no notify).
type job struct {
	t       *playbooks.Task
	probe   transport.ProbeResult
	start   time.Time
	handler bool
	// follow are the tasks (then handlers) whose probes ride along with
	// this job's steps: a change makes the probes taken before it stale.
	follow []*playbooks.Task
}

// outcome is what the pipeline reports about a job.
type jobOutcome struct {
	changed bool // the job changed the host (apply) or would (plan)
	ok      bool // the host may go on
	// followed are the probes of job.follow taken after the steps, nil
	// when none were (or they are stale: the sshd guard reverted).
	followed []transport.ProbeResult
}

// kind and name are how events name the job.
func (j *job) kind() event.Type {
	if j.handler {
		return event.Handler
	}
	return event.Task
}

func (j *job) name() string {
	if j.handler {
		return j.t.Spec.HandlerID()
	}
	return j.t.ID
}

func (hr *hostRun) newEvent(j *job, status string) *event.Event {
	return &event.Event{Type: j.kind(), Host: hr.h.Name, Task: j.name(), Module: j.t.Spec.Module, Status: status}
}

// runTask takes one job through the pipeline: it plans the task from its
// probe output and, in apply, executes the plan. Delegated tasks probe and
// run on the controller, one at a time across hosts (they usually share a
// file).
func (hr *hostRun) runTask(work context.Context, j *job) jobOutcome {
	t := j.t
	conn, info, become := hr.conn, hr.info, hr.become(t)
	if hr.noExec(t) {
		ev := hr.newEvent(j, event.StatusNotChecked)
		ev.Message, ev.DurationMS = noExecReason(t), time.Since(j.start).Milliseconds()
		hr.r.emit(ev)
		return jobOutcome{ok: true}
	}
	if t.Spec.Delegate != "" && !j.handler {
		hr.r.delegateMu.Lock()
		defer hr.r.delegateMu.Unlock()
		conn, info, become = hr.r.local, &modules.Host{Name: "localhost", Local: true}, false
		if !hr.r.opts.Apply {
			info.Pending = hr.r.localPending // earlier hosts' plans of it
		}
		res, err := transport.RunProbes(work, conn, []transport.ProbeItem{{Script: t.Module.Probe()}})
		if err != nil {
			return hr.failJob(j, err)
		}
		j.probe = res[0]
	}
	plan, err := hr.plan(t, info, j.probe)
	if err != nil {
		return hr.failJob(j, err)
	}
	ev := hr.newEvent(j, event.StatusOK)
	if !j.handler {
		hr.claim(t, info, plan)
		ev.Caveat, ev.Attempt = hr.taskCaveat(t), hr.attempt()
		if err := hr.savedPlan(j, plan, ev.Caveat); err != nil {
			hr.fail(t.ID, t.Spec.Module, err, j.start)
			return jobOutcome{}
		}
	}
	if !hr.r.opts.Apply && plan.Changed() && plan.Opaque != "" && hr.caveat == "" {
		hr.caveat = fmt.Sprintf("planned before %s %s", t.ID, plan.Opaque)
	}
	if !plan.Changed() {
		return hr.unchanged(work, j, ev, conn, become, plan)
	}
	hr.describe(ev, t, plan)
	if !hr.r.opts.Apply {
		hr.predict(t, info, plan)
		return hr.changedTask(ev, j)
	}
	if plan.Opaque != "" && t.Spec.Delegate == "" {
		hr.opaqueApplied = true
	}
	ran, err := hr.execute(work, conn, t, become, plan, j.follow)
	ev.Output = ran.output
	hr.hideOutput(t, ev)
	if err != nil {
		if hr.retryLater(err) {
			return jobOutcome{changed: true}
		}
		return jobOutcome{changed: true, ok: hr.failEvent(ev, t, err, j.start)}
	}
	out := hr.changedTask(ev, j)
	out.followed = ran.followed
	return out
}

// savedPlan records the task's plan (plan --out) or refuses a task that
// would now do other than the saved plan says (apply PLANFILE).
func (hr *hostRun) savedPlan(j *job, plan *modules.Plan, caveat string) error {
	t := j.t
	if pf := hr.r.opts.Record; pf != nil {
		status := event.StatusOK
		if plan.Changed() {
			status = event.StatusChanged
		}
		ph := pf.ForHost(hr.h.Name)
		ph.Tasks[t.ID] = &planfile.Task{Status: status, Probe: pf.ProbeDigest(t.Module, j.probe), Steps: pf.StepsDigest(plan, pf.VolatileRecorded(hr.h.Name, hr.r.secrets)), Caveat: caveat}
		ph.Order = append(ph.Order, t.ID)
	}
	if rp := hr.r.opts.Replay; rp != nil && t.Spec.Delegate == "" && hr.attempt() <= 1 {
		return hr.checkPlanned(rp, t, plan)
	}
	return nil
}

// unchanged finishes a job whose plan has no steps: apply runs its checks.
func (hr *hostRun) unchanged(work context.Context, j *job, ev *event.Event, conn transport.Conn, become bool, plan *modules.Plan) jobOutcome {
	if hr.r.opts.Apply && len(plan.Checks) > 0 {
		if err := hr.runChecks(work, conn, j.t, become, plan); err != nil {
			if hr.retryLater(err) {
				return jobOutcome{}
			}
			return jobOutcome{ok: hr.failEvent(ev, j.t, err, j.start)}
		}
	}
	if hr.retry != nil && hr.retry.ranSteps {
		// A failed attempt ran steps: the host changed all the same.
		ev.Message = "an earlier attempt changed the host"
		return hr.changedTask(ev, j)
	}
	ev.DurationMS = time.Since(j.start).Milliseconds()
	hr.r.emit(ev)
	return jobOutcome{ok: true}
}

// changedTask notifies and reports a job that changed the host.
func (hr *hostRun) changedTask(ev *event.Event, j *job) jobOutcome {
	ev.Status = event.StatusChanged
	if !j.handler {
		for _, n := range j.t.Spec.Notify {
			hr.changed[n] = true
		}
	}
	ev.DurationMS = time.Since(j.start).Milliseconds()
	hr.r.emit(ev)
	return jobOutcome{changed: true, ok: true}
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

// failJob reports a job that failed before it had a plan (its probe,
// its plan); with ignore_errors it is counted as ignored and the host goes
// on. Unless another attempt follows.
func (hr *hostRun) failJob(j *job, err error) jobOutcome {
	if hr.retryLater(err) {
		return jobOutcome{}
	}
	ev := hr.newEvent(j, event.StatusFailed)
	if !j.t.IgnoreErrors {
		hr.failed = true
		if errors.Is(err, transport.ErrUnreachable) {
			ev.Status = event.StatusUnreachable
		}
	}
	ev.Ignored, ev.Error, ev.DurationMS = j.t.IgnoreErrors, err.Error(), time.Since(j.start).Milliseconds()
	hr.r.emit(ev)
	return jobOutcome{ok: j.t.IgnoreErrors}
}

func (hr *hostRun) fail(task, module string, err error, start time.Time) {
	hr.failed = true
	status := event.StatusFailed
	if errors.Is(err, transport.ErrUnreachable) {
		status = event.StatusUnreachable
	}
	hr.r.emit(&event.Event{Type: event.Task, Host: hr.h.Name, Task: task, Module: module, Status: status, Error: err.Error(), DurationMS: time.Since(start).Milliseconds()})
}
