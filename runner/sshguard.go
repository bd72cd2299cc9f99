package runner

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/runner/event"
)

// The sshd lock-out guard. The runbook says: after changing sshd's
// configuration, test a login from a second terminal before closing the
// first. clawrun does that itself: files under /etc/ssh/ are backed up on
// the host before a task changes them; when ssh is then reloaded or
// restarted, a fresh connection with the same credentials must log in. If
// it cannot, the backups are restored and ssh reloaded over the connection
// still open, and the host fails with that message.

const guardDir = "/run/clawrun-guard"

// sshGuard is one host's guard state.
type sshGuard struct {
	saved   map[string]bool // path -> existed before
	cleanup string          // removes backups no longer needed
}

func isSSHPath(p string) bool { return strings.HasPrefix(p, "/etc/ssh/") }

// guardsSSH reports a plan whose steps change the ssh service (the
// module says which unit it manages): a fresh login must work after them.
func guardsSSH(plan *modules.Plan) bool {
	switch strings.TrimSuffix(plan.Unit, ".service") {
	case "ssh", "sshd":
		return true
	}
	return false
}

func guardPath(p string) string {
	return guardDir + "/" + strings.ReplaceAll(strings.TrimPrefix(p, "/"), "/", "%")
}

// guardPrefix starts a step script on the host's connection: the removal
// of backups an earlier guard no longer needs, then backups of the sshd
// files this plan writes (first time only). Both ride along with the
// steps; a failed backup stops them.
func (hr *hostRun) guardPrefix(plan *modules.Plan, become bool) (string, []string) {
	if hr.h.Connection == "local" {
		return "", nil
	}
	var b strings.Builder
	if become {
		b.WriteString(hr.guard.cleanup)
	}
	var paths []string
	for p := range plan.Writes {
		if _, done := hr.guard.saved[p]; isSSHPath(p) && !done {
			paths = append(paths, p)
		}
	}
	if len(paths) > 0 {
		fmt.Fprintf(&b, "( set -e; mkdir -p -m 0700 %s\n", guardDir)
		for _, p := range paths {
			fmt.Fprintf(&b, "if [ -e %s ]; then cp -a %s %s; echo %s; else echo %s; fi\n", modules.Quote(p), modules.Quote(p), modules.Quote(guardPath(p)),
				modules.Quote("clawrun-guard: saved "+p), modules.Quote("clawrun-guard: absent "+p))
		}
		b.WriteString(") || { echo 'clawrun: sshd lock-out guard: backing up the sshd configuration failed' >&2; exit 1; }\n")
	}
	return b.String(), paths
}

// guardRan records what a step script's prefix did.
func (hr *hostRun) guardRan(become bool, paths []string, stdout string) {
	if become {
		hr.guard.cleanup = ""
	}
	if len(paths) == 0 {
		return
	}
	if hr.guard.saved == nil {
		hr.guard.saved = map[string]bool{}
	}
	// A path the prefix did not answer for was not backed up, and the
	// steps did not run.
	for _, p := range paths {
		switch {
		case strings.Contains(stdout, "clawrun-guard: saved "+p+"\n"):
			hr.guard.saved[p] = true
		case strings.Contains(stdout, "clawrun-guard: absent "+p+"\n"):
			hr.guard.saved[p] = false
		}
	}
}

// after runs once ssh was reloaded or restarted: a fresh login must work,
// else the backups come back.
func (hr *hostRun) guardAfter(ctx context.Context) error {
	if len(hr.guard.saved) == 0 {
		return nil
	}
	// sshd re-executes itself on reload: for a moment nothing listens.
	// DialSSH retries that (refused, reset, closed before the banner)
	// until connect_timeout; a refused login is final.
	err := hr.freshLogin(ctx)
	if err == nil {
		hr.r.logf("%s: sshd lock-out guard: a fresh login works", hr.h.Name)
		// The backups go with the next script (or at the end).
		for p := range hr.guard.saved {
			hr.guard.cleanup += "rm -f " + modules.Quote(guardPath(p)) + "\n"
		}
		hr.guard.saved = nil
		return nil
	}
	rerr := hr.guardRestore(ctx)
	if rerr != nil {
		return fmt.Errorf("sshd lock-out guard: a fresh SSH login failed after reloading ssh (%v), and restoring the previous configuration failed too: %w; keep this session's access and check the host", err, rerr)
	}
	return fmt.Errorf("sshd lock-out guard: reverted the sshd configuration change, because after reloading ssh a fresh SSH login failed (%v): it would have locked the operator out", err)
}

// guardFailed runs when reloading or restarting ssh failed: sshd refused
// the new configuration, so it is what the next restart or boot would
// start with. The backups come back, over the connection still open.
func (hr *hostRun) guardFailed(ctx context.Context, cause error) error {
	if len(hr.guard.saved) == 0 {
		return cause
	}
	if rerr := hr.guardRestore(ctx); rerr != nil {
		return fmt.Errorf("%w; sshd lock-out guard: restoring the previous sshd configuration failed too (%v): fix the configuration under /etc/ssh before ssh restarts (the backups are in %s)", cause, rerr, guardDir)
	}
	return fmt.Errorf("%w; sshd lock-out guard: restored the previous sshd configuration, since ssh refused the new one", cause)
}

// guardUnverified runs at the end of a host's run when sshd files changed
// and no reload checked them with a fresh login: the host failed before
// its handler ran, or nothing reloads ssh. On a failed host the change is
// reverted, since the next reload or boot would apply a configuration
// nobody checked; otherwise the operator is told it is not checked yet.
func (hr *hostRun) guardUnverified(ctx context.Context) {
	msg := "sshd lock-out guard: the sshd configuration changed but ssh was not reloaded, so no fresh login checked it: notify a handler that reloads ssh"
	if hr.failed {
		msg = "sshd lock-out guard: reverted the sshd configuration change, because the host failed before ssh was reloaded and a fresh login could check it"
		if err := hr.guardRestore(ctx); err != nil {
			msg = fmt.Sprintf("sshd lock-out guard: the host failed before ssh was reloaded, and restoring the previous sshd configuration failed (%v): the backups are in %s; fix /etc/ssh before ssh restarts", err, guardDir)
		}
	}
	hr.r.emit(&event.Event{Type: event.Notice, Host: hr.h.Name, Task: "sshd-guard", Message: msg})
}

// guardRestore puts the backups back, reloads ssh and removes them; on
// failure the backups stay on the host.
func (hr *hostRun) guardRestore(ctx context.Context) error {
	var b strings.Builder
	b.WriteString("set -e\n")
	for p, existed := range hr.guard.saved {
		if existed {
			fmt.Fprintf(&b, "cp -a %s %s\n", modules.Quote(guardPath(p)), modules.Quote(p))
		} else {
			fmt.Fprintf(&b, "rm -f %s\n", modules.Quote(p))
		}
	}
	b.WriteString("systemctl reload ssh 2>/dev/null || systemctl reload sshd\n")
	res, err := hr.conn.Run(ctx, b.String(), true)
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		// Keep the backups: they may be the only copy.
		hr.guard.saved = nil
		return err
	}
	hr.guardCleanup(ctx)
	return nil
}

func (hr *hostRun) freshLogin(ctx context.Context) error {
	probe, err := hr.r.dial(ctx, hr.h)
	if err != nil {
		return err
	}
	defer probe.Close()
	atomic.AddInt64(&hr.conn.Stats().Handshakes, 1)
	atomic.AddInt64(&hr.conn.Stats().ConnectRetries, probe.Stats().ConnectRetries)
	res, err := probe.Run(ctx, "true", false)
	if err == nil {
		err = res.Err()
	}
	return err
}

// guardCleanup removes backups still on the host, in a round trip of its own.
func (hr *hostRun) guardCleanup(ctx context.Context) {
	b := hr.guard.cleanup
	for p := range hr.guard.saved {
		b += "rm -f " + modules.Quote(guardPath(p)) + "\n"
	}
	if b != "" {
		hr.conn.Run(ctx, b, true)
	}
	hr.guard.saved, hr.guard.cleanup = nil, ""
}
