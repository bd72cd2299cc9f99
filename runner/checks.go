package runner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/event"
	"github.com/clawrun/clawrun/runner/transport"
)

// runChecks runs a plan's checks (scripts that change nothing, such as a
// wait polling a port) in one round trip. Only apply runs them.
func (hr *hostRun) runChecks(ctx context.Context, conn transport.Conn, t *playbooks.Task, become bool, plan *modules.Plan) error {
	var b strings.Builder
	for i, s := range plan.Checks {
		b.WriteString(stepScript("check", i, s))
	}
	t0 := time.Now()
	ctx = transport.WithNotice(ctx, func(msg string) {
		hr.r.emit(&event.Event{Type: event.Notice, Host: hr.h.Name, Task: t.ID, Module: t.Spec.Module, Message: msg})
	})
	res, err := conn.Run(ctx, b.String(), become)
	hr.r.logf("%s: %s: ran %d checks in %s", hr.h.Name, t.ID, len(plan.Checks), time.Since(t0).Round(time.Millisecond))
	if err != nil {
		return err
	}
	return checkErr(res)
}

// checkErr turns a failed check into its own message: the last line the
// script printed ("clawrun: timed out after 60 s waiting for ..."), not
// the step framing.
func checkErr(res *transport.Result) error {
	if res.Code == 0 {
		return nil
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(res.Stderr), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "clawrun: check ") {
			lines = append(lines, strings.TrimPrefix(l, "clawrun: "))
		}
	}
	if len(lines) == 0 {
		return res.Err()
	}
	if len(lines) > 8 {
		lines = lines[len(lines)-8:]
	}
	return fmt.Errorf("%s", strings.Join(lines, "\n"))
}

// readOnly reports whether a task's module never changes anything: plan
// shows such handlers as ok, not as "would run".
func readOnly(t *playbooks.Task) bool {
	_, ok := t.Module.(modules.ReadOnly)
	return ok
}

// failEvent reports the task of ev as failed (its steps, or its checks:
// a wait that timed out) and says whether the host may go on
// (ignore_errors).
func (hr *hostRun) failEvent(ev *event.Event, t *playbooks.Task, err error, start time.Time) bool {
	ev.Status, ev.Error = event.StatusFailed, err.Error()
	ev.Ignored = t.IgnoreErrors
	ev.DurationMS = time.Since(start).Milliseconds()
	if !t.IgnoreErrors {
		hr.failed = true
	}
	hr.r.emit(ev)
	return t.IgnoreErrors
}
