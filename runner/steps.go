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

func (hr *hostRun) plan(t *playbooks.Task, info *modules.Host, p transport.ProbeResult) (*modules.Plan, error) {
	if p.Code != 0 {
		return nil, fmt.Errorf("probe failed with exit status %d: %s", p.Code, strings.TrimSpace(p.Stderr))
	}
	return t.Module.Plan(info, p.Out)
}

// stepsRun is what running a plan's steps returns besides an error.
type stepsRun struct {
	// followed are the results of the probes that rode along (nil when
	// none did, or they are stale).
	followed []transport.ProbeResult
	// output is what a command's steps printed (-v, JSON).
	output string
}

// execute runs a plan's steps, all in one round trip, under the sshd
// lock-out guard, with the probes of follow riding along.
func (hr *hostRun) execute(ctx context.Context, conn transport.Conn, t *playbooks.Task, become bool, plan *modules.Plan, follow []*playbooks.Task) (stepsRun, error) {
	ran, err := hr.runSteps(ctx, conn, t, become, plan, follow)
	if conn != hr.conn || !guardsSSH(plan) {
		return ran, err
	}
	if err != nil {
		// ssh refused the new configuration: it must not stay for the
		// next restart, and its backups must not be cleaned up.
		return ran, hr.guardFailed(ctx, err)
	}
	if err = hr.guardAfter(ctx); err != nil {
		ran.followed = nil // taken before the guard reverted sshd
		return ran, err
	}
	return ran, nil
}

// stepsScript is the script of a plan's steps: the guard's prefix, the
// steps (content staged first), and the probes of follow riding along.
func (hr *hostRun) stepsScript(ctx context.Context, conn transport.Conn, t *playbooks.Task, become bool, plan *modules.Plan, follow []*playbooks.Task) (script string, guarded []string, rider *transport.Batch, err error) {
	var b strings.Builder
	if conn == hr.conn {
		var pre string
		pre, guarded = hr.guardPrefix(plan, become)
		b.WriteString(pre)
	}
	var listenWait string
	if conn == hr.conn && guardsSSH(plan) && len(hr.guard.saved) > 0 {
		var pre string
		pre, listenWait = transport.SSHListenWait(hr.h.Port)
		b.WriteString(pre)
	}
	for i, s := range plan.Steps {
		if s.Upload != nil {
			path, err := conn.Stage(ctx, s.Upload)
			if err != nil {
				return "", nil, nil, err
			}
			s.Script = strings.ReplaceAll(s.Script, modules.StagedToken, modules.Quote(path))
		}
		b.WriteString(stepScript("step", i, s))
	}
	b.WriteString(listenWait)
	// The next tasks' probes ride along when they run with the same
	// privileges (not with a timeout: it bounds the task's own steps).
	if conn == hr.conn && len(follow) > 0 && t.Timeout == 0 {
		if items := hr.probeItems(follow); transport.SameBecome(items, become) {
			rider = transport.NewBatch(items)
			b.WriteString(rider.AfterSteps())
		}
	}
	return b.String(), guarded, rider, nil
}

func (hr *hostRun) runSteps(ctx context.Context, conn transport.Conn, t *playbooks.Task, become bool, plan *modules.Plan, follow []*playbooks.Task) (stepsRun, error) {
	var ran stepsRun
	script, guarded, rider, err := hr.stepsScript(ctx, conn, t, become, plan, follow)
	if err != nil {
		return ran, err
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
	res, err := conn.Run(ctx, script, become)
	if err == nil && conn == hr.conn {
		hr.guardRan(become, guarded, res.Stdout)
	}
	if err == nil {
		hr.keepOutput(res) // strips task-result markers
	}
	if _, prints := t.Module.(modules.Capturer); err == nil && prints {
		ran.output = commandOutput(res, rider)
	}
	probes := 0
	if rider != nil {
		probes = rider.Len()
	}
	hr.r.logf("%s: %s: ran %d steps (and %d probes) in %s", hr.h.Name, t.ID, len(plan.Steps), probes, time.Since(t0).Round(time.Millisecond))
	if err != nil {
		return ran, err
	}
	if err := res.Err(); err != nil {
		return ran, err
	}
	if rider == nil {
		return ran, nil
	}
	// Unparsable probes are not an error: the next task probes again.
	out, ok := rider.SplitSteps(res.Stdout)
	if !ok {
		return ran, nil
	}
	if pr, err := rider.Parse(out, res.Stderr); err == nil && rider.Reprobe(ctx, conn, become, pr) == nil {
		ran.followed = pr
	}
	return ran, nil
}

// stepScript runs step i (kind "step" or "check") and stops the script
// when it fails. Not
// "( step ) || ...": POSIX shells ignore set -e inside a subshell that is
// part of an AND-OR list, and a failed write would go unnoticed. The
// description holds playbook values (paths): a quoted printf argument,
// never part of a format or of a double-quoted word.
func stepScript(kind string, i int, s modules.Step) string {
	return fmt.Sprintf("( %s\n)\nrc=$?; if [ \"$rc\" -ne 0 ]; then printf 'clawrun: %s %d (%%s) failed\\n' %s >&2; exit \"$rc\"; fi\n", s.Script, kind, i+1, modules.Quote(s.Desc))
}
