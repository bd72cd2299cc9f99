package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/clawrun/clawrun/inventory"
	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/event"
	"github.com/clawrun/clawrun/runner/planfile"
	"github.com/clawrun/clawrun/runner/transport"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"golang.org/x/sync/errgroup"
)

// Options control a run.
type Options struct {
	Apply         bool
	Tags          []string
	SkipTags      []string
	Forks         int
	ForceHandlers bool
	// NoExec (plan --no-exec) runs no shell the playbook wrote (command's
	// unless): such tasks are reported "not checked".
	NoExec bool
	Dial   transport.DialOptions
	// Renderer receives every event.
	Renderer event.Renderer
	// Log, when set, receives the debug log (-v), redacted.
	Log io.Writer
	// Record (plan --out) collects what each host looked like and what
	// would change; Replay (apply PLANFILE) refuses hosts that drifted
	// from it and tasks that would now do something else.
	Record *planfile.File
	Replay *planfile.File
	// HostVars are the variables of hosts whose inventory vars set one
	// (playbooks.VarSet.ByHost); other hosts see the run's vars.
	HostVars map[string]map[string]cty.Value
	// Connect, when set, opens the connection to a host that is not
	// `connection = "local"` instead of SSH (and the sshd guard's fresh
	// login): the engine's fast tests use a fake host.
	Connect func(ctx context.Context, h *inventory.Host) (transport.Conn, error)
}

// Run executes a playbook on the selected hosts and returns the exit code:
// 0 success, 1 any failure, 2 changes pending (plan with detailed exit code
// is decided by the caller from the recap), 130 interrupted.
type Run struct {
	pb      *playbooks.Playbook
	inv     *inventory.Inventory
	opts    Options
	vars    map[string]cty.Value
	secrets *playbooks.Secrets
	out     event.Renderer
	mu      sync.Mutex
	recap   map[string]*event.Recap
	// local runs delegated tasks; delegateMu serialises them across hosts.
	local      *transport.Local
	delegateMu sync.Mutex
	// localPending is what delegated tasks planned so far write on the
	// controller, for every host (plan only; under delegateMu).
	localPending map[string]*modules.FileState
	// Interrupted is set when ctx was cancelled mid-run.
	Interrupted bool
}

// New prepares a run; hosts are contacted only by Execute.
func New(pb *playbooks.Playbook, inv *inventory.Inventory, vars map[string]cty.Value, secrets *playbooks.Secrets, opts Options) *Run {
	if opts.Forks <= 0 {
		opts.Forks = 50
	}
	return &Run{pb: pb, inv: inv, opts: opts, vars: vars, secrets: secrets, out: opts.Renderer, recap: map[string]*event.Recap{},
		local: &transport.Local{}}
}

// Changes reports whether any host changed (apply) or would change (plan).
func (r *Run) Changes() bool {
	for _, rc := range r.recap {
		if rc.Changed > 0 || rc.NotChecked > 0 {
			return true // a task not checked may change
		}
	}
	return false
}

// Failed reports whether any host failed or was unreachable.
func (r *Run) Failed() bool {
	for _, rc := range r.recap {
		if rc.Failed > 0 || rc.Unreachable > 0 {
			return true
		}
	}
	return false
}

func (r *Run) emit(e *event.Event) {
	e.Time = time.Now().UTC()
	e.Error = r.secrets.Redact(e.Error)
	e.Message = r.secrets.Redact(e.Message)
	e.Diff = r.secrets.Redact(e.Diff)
	e.Output = r.secrets.Redact(e.Output)
	for i := range e.Changes {
		e.Changes[i].Text = r.secrets.Redact(e.Changes[i].Text)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if rc := r.recap[e.Host]; rc != nil && (e.Type == event.Task || e.Type == event.Handler) {
		rc.Count(e)
	}
	r.out.Event(e)
}

// taskStarted tells a renderer that shows live progress which task a
// host is on.
func (r *Run) taskStarted(host, task string) {
	if p, ok := r.out.(interface{ TaskStarted(host, task string) }); ok {
		r.mu.Lock()
		defer r.mu.Unlock()
		p.TaskStarted(host, task)
	}
}

// logf writes a redacted debug line.
func (r *Run) logf(format string, args ...any) {
	if r.opts.Log == nil {
		return
	}
	line := r.secrets.Redact(fmt.Sprintf(format, args...))
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.opts.Log, "%s clawrun: %s\n", time.Now().Format("15:04:05.000"), line)
}

func (r *Run) mode() string {
	if r.opts.Apply {
		return "apply"
	}
	return "plan"
}

// Execute runs every selected host: in parallel (forks), in serial batches.
// Cancelling ctx finishes each host's running task and starts nothing more.
func (r *Run) Execute(ctx context.Context, hosts []*inventory.Host) {
	names := make([]string, len(hosts))
	for i, h := range hosts {
		names[i] = h.Name
		r.recap[h.Name] = &event.Recap{}
	}
	r.emit(&event.Event{Type: event.RunStart, Mode: r.mode(), Hosts: names, Playbook: r.pb.File})
	start := time.Now()
	batch := len(hosts)
	if r.pb.Serial > 0 {
		batch = r.pb.Serial
	}
	failed := 0
	done := 0
	for i := 0; i < len(hosts); i += batch {
		if ctx.Err() != nil {
			break
		}
		end := min(i+batch, len(hosts))
		var g errgroup.Group
		g.SetLimit(r.opts.Forks)
		for _, h := range hosts[i:end] {
			g.Go(func() error {
				r.host(ctx, h)
				return nil
			})
		}
		g.Wait()
		for _, h := range hosts[i:end] {
			done++
			if rc := r.recap[h.Name]; rc.Failed > 0 || rc.Unreachable > 0 {
				failed++
			}
		}
		if end < len(hosts) && failed*100 > r.pb.MaxFailPct*done {
			break
		}
	}
	if ctx.Err() != nil {
		r.Interrupted = true
	}
	var total transport.Stats
	for _, rc := range r.recap {
		if rc.Stats != nil {
			total.Handshakes += rc.Stats.Handshakes
			total.Sessions += rc.Stats.Sessions
			total.RoundTrips += rc.Stats.RoundTrips
			total.BytesUp += rc.Stats.BytesUp
			total.BytesDown += rc.Stats.BytesDown
			total.Processes += rc.Stats.Processes
			total.ConnectRetries += rc.Stats.ConnectRetries
		}
	}
	r.emit(&event.Event{Type: event.RunDone, Mode: r.mode(), Recap: r.recap, Stats: &total, DurationMS: time.Since(start).Milliseconds()})
}

// hostRun is one host's state during a run.
type hostRun struct {
	r       *Run
	h       *inventory.Host
	conn    transport.Conn
	info    *modules.Host
	rc      *event.Recap
	failed  bool
	changed map[string]bool   // handler name -> notified
	caveat  string            // plan: set once an opaque task would change
	touched map[string]string // plan: state key -> task whose change affects it
	// opaqueApplied: apply ran a task whose effects no probe predicts.
	opaqueApplied bool
	guard         sshGuard
	// follow are the tasks (then handlers) whose probes ride along with
	// the steps of the one being applied; followed their results.
	follow   []*playbooks.Task
	followed []transport.ProbeResult
	// handlers are this host's handler tasks; handlerProbes the probes of
	// notified handlers taken since the last change.
	handlers      map[string][]*playbooks.Task
	handlerProbes map[*playbooks.Task]transport.ProbeResult
	// factsPending: the playbook never reads host.facts, so facts travel
	// with the first probe (one round trip less).
	factsPending bool
	// output is what the last command task's steps printed (-v, JSON).
	output string
	// retry is set while a task with retries runs an attempt.
	retry *retryState
	// fresh are the random_hex values apply PLANFILE drew anew (the plan
	// stored none: they are sensitive); see stepsDigest.
	fresh *playbooks.Secrets
	// scope evaluates this host's tasks; lastRun is the output of the last
	// steps run (task results, results.go).
	scope   *playbooks.Scope
	lastRun *transport.Result
	ran     map[*playbooks.TaskSpec]bool // referenced tasks that changed
}

func (r *Run) host(ctx context.Context, h *inventory.Host) {
	hr := &hostRun{r: r, h: h, rc: r.recap[h.Name], changed: map[string]bool{}}
	start := time.Now()
	defer func() {
		if hr.conn != nil {
			hr.rc.Stats = hr.conn.Stats()
			hr.conn.Close()
		}
		r.emit(&event.Event{Type: event.HostDone, Host: h.Name, Status: hr.status(), DurationMS: time.Since(start).Milliseconds(), Stats: hr.rc.Stats})
	}()
	// Remote work is never cut off mid-step: an interrupt takes effect
	// between tasks.
	work := context.WithoutCancel(ctx)
	if err := hr.connect(work); err != nil {
		var ce *transport.ConnectError
		if errors.As(err, &ce) && ce.Retries > 0 {
			hr.rc.Stats = &transport.Stats{ConnectRetries: ce.Retries}
		}
		hr.failed = true
		r.emit(&event.Event{Type: event.Task, Host: h.Name, Task: "connect", Status: event.StatusUnreachable, Error: err.Error()})
		return
	}
	tasks, handlers, err := hr.instantiate()
	if err != nil {
		hr.fail("evaluate", "", err, time.Now())
		return
	}
	hr.handlers = handlers
	hr.runTasks(ctx, work, tasks)
	if !hr.failed || r.pb.ForceHandlers || r.opts.ForceHandlers {
		hr.runHandlers(work)
	}
	if len(hr.guard.saved) > 0 {
		hr.guardUnverified(work)
	}
	if len(hr.guard.saved) > 0 || hr.guard.cleanup != "" {
		hr.guardCleanup(work)
	}
}

func (hr *hostRun) status() string {
	switch {
	case hr.rc.Unreachable > 0:
		return event.StatusUnreachable
	case hr.failed:
		return event.StatusFailed
	case hr.rc.Changed > 0:
		return event.StatusChanged
	}
	return event.StatusOK
}

func (hr *hostRun) connect(ctx context.Context) error {
	var err error
	if hr.h.Connection == "local" {
		hr.conn = &transport.Local{Password: hr.r.opts.Dial.BecomePassword}
	} else if hr.conn, err = hr.r.dial(ctx, hr.h); err != nil {
		hr.conn = nil
		return err
	}
	hr.r.logf("%s: connected (%s)", hr.h.Name, hr.h.Connection)
	hr.info = &modules.Host{Name: hr.h.Name, Local: hr.h.Connection == "local"}
	if !hr.r.pb.UsesFacts {
		hr.factsPending = true // gathered with the first probe
		return nil
	}
	res, err := hr.conn.Run(ctx, factsScript, false)
	if err != nil {
		return err
	}
	if err := res.Err(); err != nil {
		return fmt.Errorf("gather facts: %w", err)
	}
	hr.setFacts(res.Stdout)
	return nil
}

func (hr *hostRun) setFacts(out string) {
	facts, client, server, port, user := parseFacts(out)
	hr.info.Facts, hr.info.SSHClient, hr.info.SSHServer, hr.info.SSHPort, hr.info.User = facts, client, server, port, user
	hr.factsPending = false
}

// instantiate evaluates the playbook for this host with its facts.
func (hr *hostRun) instantiate() ([]*playbooks.Task, map[string][]*playbooks.Task, error) {
	r := hr.r
	f := hr.info.Facts
	var random playbooks.RandomSource
	var replayed []string
	switch {
	case r.opts.Record != nil:
		random = r.opts.Record.Recorder(hr.h.Name)
	case r.opts.Replay != nil:
		hr.fresh = &playbooks.Secrets{}
		random = r.opts.Replay.Replayer(hr.h.Name, &replayed, hr.fresh)
	}
	vars := r.vars
	if hv, ok := r.opts.HostVars[hr.h.Name]; ok {
		vars = hv
	}
	scope, diags := r.pb.NewScope(vars, playbooks.HostValue(hr.h.Name, hr.h.Address, hr.h.Groups, r.pb.MarkHostVars(hr.h.Vars), &f), random, r.secrets)
	hr.scope = scope
	var tasks []*playbooks.Task
	for _, spec := range r.pb.Tasks {
		if !r.selected(spec) {
			continue
		}
		ts, d := scope.Instantiate(spec)
		diags = append(diags, d...)
		tasks = append(tasks, ts...)
	}
	handlers := map[string][]*playbooks.Task{}
	for _, spec := range r.pb.Handlers {
		ts, d := scope.Instantiate(spec)
		diags = append(diags, d...)
		handlers[spec.Key()] = ts
	}
	if diags.HasErrors() {
		return nil, nil, errors.New(diagText(diags))
	}
	if err := planfile.ReplayedSensitive(replayed, r.secrets); err != nil {
		return nil, nil, err
	}
	if r.opts.Replay != nil {
		if err := r.opts.Replay.CheckReads(r.pb.Reads); err != nil {
			return nil, nil, err
		}
	}
	return tasks, handlers, nil
}

// diagText renders diagnostics compactly for a host's error line.
func diagText(diags hcl.Diagnostics) string {
	var parts []string
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		s := d.Summary
		if d.Detail != "" {
			s += ": " + d.Detail
		}
		if d.Subject != nil {
			s = d.Subject.String() + ": " + s
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func (r *Run) selected(spec *playbooks.TaskSpec) bool {
	if len(r.opts.Tags) > 0 && !overlap(spec.Tags, r.opts.Tags) {
		return false
	}
	return !overlap(spec.Tags, r.opts.SkipTags)
}

func overlap(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

func (hr *hostRun) become(t *playbooks.Task) bool {
	switch {
	case t.Become != nil:
		return *t.Become
	case hr.r.pb.Become != nil:
		return *hr.r.pb.Become
	}
	return hr.h.Become
}

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

// checkDrift compares the first probe of every task with the saved plan.
func (hr *hostRun) checkDrift(tasks []*playbooks.Task, probes []transport.ProbeResult) error {
	ph := hr.r.opts.Replay.Hosts[hr.h.Name]
	for i, t := range tasks {
		if t.Skip || t.Module == nil || t.Spec.Delegate != "" || t.Pending {
			continue // pending: checked against its steps once evaluated
		}
		pt, ok := ph.Tasks[t.ID]
		if !ok {
			return fmt.Errorf("task %s is not in the saved plan: plan again", t.ID)
		}
		// Every task is compared, caveat or not: these probes, like the
		// plan's, see the host before anything changed.
		if hr.r.opts.Replay.ProbeDigest(t.Module, probes[i]) != pt.Probe {
			return fmt.Errorf("task %s drifted since the plan: the host changed; plan again", t.ID)
		}
	}
	return nil
}

// checkPlanned refuses a task that would now do other than planned.
func (hr *hostRun) checkPlanned(rp *planfile.File, t *playbooks.Task, plan *modules.Plan) error {
	pt, ok := rp.Hosts[hr.h.Name].Tasks[t.ID]
	if !ok {
		return fmt.Errorf("task %s is not in the saved plan: plan again", t.ID)
	}
	if hr.opaqueApplied {
		// A package install of this run did things no probe foresaw; the
		// plan showed this task with a caveat. Decided here, never read
		// from the file.
		return nil
	}
	if hr.readsRunResults(t) {
		return nil // planned as known after apply: its values were unknown
	}
	now := event.StatusOK
	if plan.Changed() {
		now = event.StatusChanged
	}
	if now != pt.Status || (plan.Changed() && rp.StepsDigest(plan, hr.fresh) != pt.Steps) {
		return fmt.Errorf("task %s would now do other than the saved plan says (planned %s): plan again", t.ID, pt.Status)
	}
	return nil
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

func (hr *hostRun) probeItems(tasks []*playbooks.Task) []transport.ProbeItem {
	items := make([]transport.ProbeItem, len(tasks))
	for i, t := range tasks {
		if t.Skip || t.Module == nil || t.Spec.Delegate != "" || hr.noExec(t) || t.Pending {
			items[i] = transport.ProbeItem{Script: "true", Become: hr.become(t)}
			continue
		}
		if fp, ok := t.Module.(modules.FileProber); ok {
			path, want := fp.FileProbe()
			items[i] = transport.ProbeItem{File: &modules.FileSpec{Path: path, Want: want}, Become: hr.become(t)}
			continue
		}
		items[i] = transport.ProbeItem{Script: t.Module.Probe(), Become: hr.become(t)}
	}
	return items
}

func (hr *hostRun) probe(ctx context.Context, tasks []*playbooks.Task) ([]transport.ProbeResult, error) {
	var timed, plain []int
	for i, t := range tasks {
		if boundsProbe(t) {
			timed = append(timed, i)
		} else {
			plain = append(plain, i)
		}
	}
	if len(timed) == 0 || len(plain) == 0 {
		return hr.probeBatch(ctx, tasks)
	}
	// Tasks with a timeout are probed in a round trip of their own,
	// bounded by it; the others keep the default limit.
	res := make([]transport.ProbeResult, len(tasks))
	for _, idx := range [][]int{plain, timed} {
		sub := make([]*playbooks.Task, len(idx))
		for j, i := range idx {
			sub[j] = tasks[i]
		}
		r, err := hr.probeBatch(ctx, sub)
		if err != nil {
			return nil, err
		}
		for j, i := range idx {
			res[i] = r[j]
		}
	}
	return res, nil
}

// boundsProbe reports a task whose timeout bounds its probe. A module
// that takes the timeout as its own duration (wait) has a probe that
// never waits on it.
func boundsProbe(t *playbooks.Task) bool {
	_, own := t.Module.(modules.TimeoutTaker)
	return t.Timeout > 0 && !own
}

func (hr *hostRun) probeBatch(ctx context.Context, tasks []*playbooks.Task) ([]transport.ProbeResult, error) {
	items := hr.probeItems(tasks)
	t0 := time.Now()
	var res []transport.ProbeResult
	var err error
	var timeouts []time.Duration
	for _, t := range tasks {
		if boundsProbe(t) {
			timeouts = append(timeouts, t.Timeout)
		}
	}
	limit, kind := transport.ProbeLimit(timeouts)
	ctx, cancel := transport.WithTimeout(ctx, limit, kind)
	defer cancel()
	if hr.factsPending {
		res, err = hr.factsAndProbes(ctx, items)
	} else {
		res, err = transport.RunProbes(ctx, hr.conn, items)
	}
	hr.r.logf("%s: probed %d tasks in %s", hr.h.Name, len(items), time.Since(t0).Round(time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	return res, nil
}

// factsAndProbes gathers facts as the login user (sudo would drop
// SSH_CONNECTION) and runs the probes through sudo, in one round trip.
func (hr *hostRun) factsAndProbes(ctx context.Context, items []transport.ProbeItem) ([]transport.ProbeResult, error) {
	become := len(items) > 0 && items[0].Become
	if !transport.SameBecome(items, become) {
		res, err := hr.conn.Run(ctx, factsScript, false)
		if err != nil {
			return nil, err
		}
		hr.setFacts(res.Stdout)
		return transport.RunProbes(ctx, hr.conn, items)
	}
	if become && hr.r.opts.Dial.BecomePassword != "" {
		return hr.factsBesideProbes(ctx, items)
	}
	bt := transport.NewBatch(items)
	r, err := hr.conn.Run(ctx, bt.AfterFacts(factsScript, become && !hr.loginIsRoot()), false)
	if err != nil {
		return nil, err
	}
	facts, probes, ok := bt.SplitFacts(r.Stdout)
	if !ok {
		return nil, fmt.Errorf("gather facts: %w", r.Err())
	}
	hr.setFacts(facts)
	res, err := bt.Parse(probes, r.Stderr)
	if err != nil {
		return nil, err
	}
	return res, bt.Reprobe(ctx, hr.conn, become, res)
}

// loginIsRoot: the scripts already run as root, so become needs no sudo
// (root-only images often have none).
func (hr *hostRun) loginIsRoot() bool {
	if hr.h.Connection == "local" {
		return os.Geteuid() == 0
	}
	return hr.h.User == "root"
}

// factsBesideProbes gathers facts in the login user's shell and runs the
// probes in the root shell at the same time. With a sudo password the
// probes cannot ride in a here-document: the password is written only when
// sudo prompts for it (sudoHandshake), which needs the shell's own stdin.
func (hr *hostRun) factsBesideProbes(ctx context.Context, items []transport.ProbeItem) ([]transport.ProbeResult, error) {
	var facts *transport.Result
	var factsErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		facts, factsErr = hr.conn.Run(ctx, factsScript, false)
	}()
	res, err := transport.RunProbes(ctx, hr.conn, items)
	<-done
	if factsErr != nil {
		return nil, factsErr
	}
	hr.setFacts(facts.Stdout)
	return res, err
}

func (hr *hostRun) plan(t *playbooks.Task, info *modules.Host, p transport.ProbeResult) (*modules.Plan, error) {
	if p.Code != 0 {
		return nil, fmt.Errorf("probe failed with exit status %d: %s", p.Code, strings.TrimSpace(p.Stderr))
	}
	return t.Module.Plan(info, p.Out)
}

// execute runs a plan's steps, all in one round trip, under the sshd
// lock-out guard.
func (hr *hostRun) execute(ctx context.Context, conn transport.Conn, t *playbooks.Task, become bool, plan *modules.Plan) error {
	err := hr.runSteps(ctx, conn, t, become, plan)
	if conn != hr.conn || !isSSHUnit(t) {
		return err
	}
	if err != nil {
		// ssh refused the new configuration: it must not stay for the
		// next restart, and its backups must not be cleaned up.
		return hr.guardFailed(ctx, err)
	}
	if err = hr.guardAfter(ctx); err != nil {
		hr.followed = nil // taken before the guard reverted sshd
	}
	return err
}

func (hr *hostRun) runSteps(ctx context.Context, conn transport.Conn, t *playbooks.Task, become bool, plan *modules.Plan) error {
	var b strings.Builder
	var guarded []string
	if conn == hr.conn {
		var pre string
		pre, guarded = hr.guardPrefix(plan, become)
		b.WriteString(pre)
	}
	var listenWait string
	if conn == hr.conn && isSSHUnit(t) && len(hr.guard.saved) > 0 {
		var pre string
		pre, listenWait = sshListenWait(hr.h.Port)
		b.WriteString(pre)
	}
	for i, s := range plan.Steps {
		if s.Upload != nil {
			path, err := conn.Stage(ctx, s.Upload)
			if err != nil {
				return err
			}
			s.Script = strings.ReplaceAll(s.Script, modules.StagedToken, modules.Quote(path))
		}
		b.WriteString(stepScript(i, s))
	}
	b.WriteString(listenWait)
	// The next tasks' probes ride along when they run with the same
	// privileges (not with a timeout: it bounds the task's own steps).
	var follow *transport.Batch
	if conn == hr.conn && len(hr.follow) > 0 && t.Timeout == 0 {
		if items := hr.probeItems(hr.follow); transport.SameBecome(items, become) {
			follow = transport.NewBatch(items)
			b.WriteString(follow.AfterSteps())
		}
	}
	t0 := time.Now()
	ctx = transport.WithNotice(ctx, func(msg string) {
		hr.r.emit(&event.Event{Type: event.Notice, Host: hr.h.Name, Task: t.ID, Module: t.Spec.Module, Message: msg})
	})
	if t.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = transport.WithTimeout(ctx, t.Timeout, transport.TaskTimeout)
		defer cancel()
	}
	res, err := conn.Run(ctx, b.String(), become)
	if err == nil && conn == hr.conn {
		hr.guardRan(become, guarded, res.Stdout)
	}
	if err == nil {
		hr.keepOutput(res) // strips task-result markers
	}
	if err == nil && t.Spec.Module == "command" {
		hr.output = commandOutput(res, follow)
	}
	probes := 0
	if follow != nil {
		probes = follow.Len()
	}
	hr.r.logf("%s: %s: ran %d steps (and %d probes) in %s", hr.h.Name, t.ID, len(plan.Steps), probes, time.Since(t0).Round(time.Millisecond))
	if err != nil {
		return err
	}
	if err := res.Err(); err != nil {
		return err
	}
	if follow != nil {
		// Unparsable probes are not an error: the next task probes again.
		if out, ok := follow.SplitSteps(res.Stdout); ok {
			if pr, err := follow.Parse(out, res.Stderr); err == nil && follow.Reprobe(ctx, conn, become, pr) == nil {
				hr.followed = pr
			}
		}
	}
	return nil
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

// stepScript runs step i and stops the script when it fails. Not
// "( step ) || ...": POSIX shells ignore set -e inside a subshell that is
// part of an AND-OR list, and a failed write would go unnoticed. The
// description holds playbook values (paths): a quoted printf argument,
// never part of a format or of a double-quoted word.
func stepScript(i int, s modules.Step) string {
	return fmt.Sprintf("( %s\n)\nrc=$?; if [ \"$rc\" -ne 0 ]; then printf 'clawrun: step %d (%%s) failed\\n' %s >&2; exit \"$rc\"; fi\n", s.Script, i+1, modules.Quote(s.Desc))
}

func (hr *hostRun) fail(task, module string, err error, start time.Time) {
	hr.failed = true
	status := event.StatusFailed
	if errors.Is(err, transport.ErrUnreachable) {
		status = event.StatusUnreachable
	}
	hr.r.emit(&event.Event{Type: event.Task, Host: hr.h.Name, Task: task, Module: module, Status: status, Error: err.Error(), DurationMS: time.Since(start).Milliseconds()})
}

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
