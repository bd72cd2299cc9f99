package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/clawrun/clawrun/runner/event"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"
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

// Stats counts a connection's work (--stats, the json run_done event). The
// type lives in package event, which reports it, so that renderers need
// not link this package's SSH code.
type Stats = event.Stats

func addStats(s *Stats, up, down int) {
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

// shellCommand is the remote command line of a shell without a sudo
// password: no script, no secret. With a password see sudoPrompted.
func shellCommand(become bool) string {
	if become {
		return "sudo -n -- /bin/sh -s"
	}
	return "/bin/sh -s"
}

// taggedShell is shellCommand with tag as the shell's only argument (its
// $1, reset by each script): a timeout finds the shell by it (killScript).
func taggedShell(become bool, tag string) string {
	return shellCommand(become) + " " + tag
}

// sudoPrompted is the command line of a root shell when a sudo password is
// set. sudo prompts with a nonce, and the shell announces itself once it
// runs, so the controller writes the password only after seeing the prompt
// (sudoHandshake). Written unasked, it would be the root shell's first
// command line on a host where sudo needs no password.
func sudoPrompted(nonce string) string {
	return "sudo -S -p 'clawrun-sudo-" + nonce + ": ' -- /bin/sh -c 'echo clawrun-ready-" + nonce + " >&2; exec /bin/sh -s clawrun-sh-" + nonce + "'"
}

// sudoTimeout bounds the wait for sudo's prompt or the shell's greeting.
const sudoTimeout = 30 * time.Second

// errSudoPassword is sudo refusing CLAWRUN_BECOME_PASSWORD.
var errSudoPassword = errors.New("sudo refused the password in CLAWRUN_BECOME_PASSWORD: check it (it is sent only when sudo asks)")

// sudoHandshake waits on the stderr of a sudoPrompted shell until the shell
// runs. It writes the password once, when sudo prompts; a second prompt
// means a wrong password and fails, so no line is ever sent twice and no
// password reaches the shell. rest is stderr that followed the greeting.
func sudoHandshake(stdin io.Writer, errs <-chan []byte, password, nonce string) (rest []byte, err error) {
	prompt, ready := []byte("clawrun-sudo-"+nonce+": "), []byte("clawrun-ready-"+nonce+"\n")
	var buf, said []byte
	sent := false
	timer := time.NewTimer(sudoTimeout)
	defer timer.Stop()
	for {
		if i := bytes.Index(buf, ready); i >= 0 {
			return buf[i+len(ready):], nil
		}
		if i := bytes.Index(buf, prompt); i >= 0 {
			said = append(said, buf[:i]...)
			buf = buf[i+len(prompt):]
			if sent {
				return nil, errSudoPassword
			}
			if _, err := io.WriteString(stdin, password+"\n"); err != nil {
				return nil, fmt.Errorf("sudo: write password: %w", err)
			}
			sent = true
			continue
		}
		select {
		case b, ok := <-errs:
			if !ok {
				msg := strings.TrimSpace(string(append(said, buf...)))
				if strings.Contains(msg, "incorrect password") {
					return nil, errSudoPassword
				}
				return nil, fmt.Errorf("sudo did not start a root shell: %s", msg)
			}
			buf = append(buf, b...)
		case <-timer.C:
			// The password is not sent: the prompt was not clawrun's (a
			// PAM module, sudoers passprompt_override) or sudo hangs.
			return nil, fmt.Errorf("sudo neither showed clawrun's password prompt nor started a shell within %s: CLAWRUN_BECOME_PASSWORD was not sent", sudoTimeout)
		}
	}
}

// secretEnv names the controller's environment variables that hold
// credentials. Controller-side tasks (delegate = "local", connection =
// "local") never see them: a playbook could print or send them.
func secretEnv(name string) bool {
	switch name {
	case "CLAWRUN_BECOME_PASSWORD", "CLAWRUN_KEY_PASSPHRASE", "CLAWRUN_PLAN_KEY":
		return true
	}
	return strings.HasPrefix(name, "CLAWRUN_VAR_")
}

// controllerEnv is the environment of controller-side shells.
func controllerEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !secretEnv(k) {
			out = append(out, kv)
		}
	}
	return out
}
