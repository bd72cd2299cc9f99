package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clawrun/clawrun/inventory"
	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/event"
	"github.com/clawrun/clawrun/runner/planfile"
	"github.com/clawrun/clawrun/runner/transport"
	"github.com/hashicorp/hcl/v2"
)

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
	// handlers are this host's handler tasks; handlerProbes the probes of
	// notified handlers taken since the last change.
	handlers      map[string][]*playbooks.Task
	handlerProbes map[*playbooks.Task]transport.ProbeResult
	// factsPending: the playbook never reads host.facts, so facts travel
	// with the first probe (one round trip less).
	factsPending bool
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
