// Package runner owns connections, runs playbooks across hosts (tasks in
// order per host, hosts in parallel) and renders what happened.
package runner

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
)

// Conn runs shell scripts on one host. SSH and local connections implement it.
type Conn interface {
	// Run runs script with /bin/sh, as root when become is set. The script
	// travels on stdin, never on a command line.
	Run(ctx context.Context, script string, become bool) (*Result, error)
	// Stage uploads data to a new file readable only by the login user
	// (over SFTP for SSH) and returns its absolute path on the host.
	Stage(ctx context.Context, data []byte) (string, error)
	// Stats reports this connection's counters.
	Stats() *Stats
	Close() error
}

// Result is the outcome of one script.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Err returns an error for a non-zero exit, quoting stderr's last lines.
func (r *Result) Err() error {
	if r.Code == 0 {
		return nil
	}
	msg := strings.TrimSpace(r.Stderr)
	if msg == "" {
		msg = strings.TrimSpace(r.Stdout)
	}
	if lines := strings.Split(msg, "\n"); len(lines) > 8 {
		msg = strings.Join(lines[len(lines)-8:], "\n")
	}
	return fmt.Errorf("exit status %d: %s", r.Code, msg)
}

// Stats counts a connection's work (for --stats and the json run_done event).
type Stats struct {
	Handshakes int64 `json:"handshakes"`
	Sessions   int64 `json:"sessions"`
	RoundTrips int64 `json:"round_trips"`
	BytesUp    int64 `json:"bytes_up"`
	BytesDown  int64 `json:"bytes_down"`
	// Processes is how many processes the scripts started on the host.
	Processes int64 `json:"processes"`
	// ConnectRetries counts connect attempts retried because the host
	// refused or dropped them (sshd restarting, the host booting).
	ConnectRetries int64 `json:"connect_retries"`
}

func (s *Stats) add(up, down int) {
	atomic.AddInt64(&s.Sessions, 1)
	atomic.AddInt64(&s.RoundTrips, 1)
	atomic.AddInt64(&s.BytesUp, int64(up))
	atomic.AddInt64(&s.BytesDown, int64(down))
}

// wrap prepares a script for /bin/sh -s: a fixed locale and PATH, and the
// body in a group with stdin from /dev/null so that no command in it can
// swallow the rest of the script.
//
// The EXIT trap reports how many processes the script started: the last
// PID the kernel handed out (/proc/loadavg, read with a builtin) before and
// after, in the host's PID namespace.
func wrap(script string) string {
	return "export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n" +
		"read -r _ _ _ _ clawrun_p0 </proc/loadavg 2>/dev/null\n" +
		"trap 'read -r _ _ _ _ clawrun_p1 </proc/loadavg 2>/dev/null; echo \"" + pidsPrefix + "$((clawrun_p1 - clawrun_p0))\" >&2' EXIT\n" +
		"{\n" + script + "\n} </dev/null\n"
}

// pidsPrefix marks the stderr line that carries the process count.
const pidsPrefix = "clawrun-pids: "

// stdinFor is what a shell reads: the sudo password first when one is
// needed, then the wrapped script.
func stdinFor(script string, become bool, password string) string {
	if become && password != "" {
		return password + "\n" + wrap(script)
	}
	return wrap(script)
}

// shellCommand is the remote command line: no script, no secret.
func shellCommand(become, password bool) string {
	switch {
	case !become:
		return "/bin/sh -s"
	case password:
		return "sudo -S -p '' -- /bin/sh -s"
	default:
		return "sudo -n -- /bin/sh -s"
	}
}
