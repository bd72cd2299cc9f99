package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/clawrun/clawrun/inventory"
	"github.com/clawrun/clawrun/runner/event"
	"github.com/clawrun/clawrun/runner/transport"
)

// fakeHost is a remote host for the engine's fast tests, reached through
// Options.Connect: its scripts run with /bin/sh on this machine, with
// /etc/ssh and /run/clawrun-guard moved under a temp directory, systemctl
// and sudo replaced by shell functions, and fresh logins refused while
// refuse says so (an sshd that a broken configuration locks out).
type fakeHost struct {
	t      *testing.T
	root   string
	refuse func(f *fakeHost) bool
	mu     sync.Mutex
	dials  int
	runs   []string // every script the engine sent
}

// rewrites moves the host's paths under root.
var fakeHostPaths = []string{"/etc/ssh/", "/run/clawrun-guard"}

func newFakeHost(t *testing.T) *fakeHost {
	f := &fakeHost{t: t, root: t.TempDir()}
	for _, d := range []string{"/etc/ssh/sshd_config.d", "/run"} {
		if err := os.MkdirAll(filepath.Join(f.root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// sudo runs its command with the same fakes; systemctl answers show
	// and is-active like a running ssh.service and logs the rest.
	prelude := fmt.Sprintf(`systemctl() {
  case "$1" in
  show) printf 'LoadState=loaded\nActiveState=active\nUnitFileState=enabled\nNeedDaemonReload=no\nFragmentPath=/lib/systemd/system/ssh.service\n' ;;
  is-active) return 0 ;;
  *) echo "$*" >> %[1]s/systemctl.log ;;
  esac
}
sudo() {
  while [ "$1" != "--" ]; do shift; done; shift
  { cat %[1]s/prelude.sh; cat; } | "$@"
}
`, f.root)
	f.write("prelude.sh", prelude)
	return f
}

func (f *fakeHost) path(p string) string { return filepath.Join(f.root, p) }

func (f *fakeHost) write(p, content string) {
	f.t.Helper()
	if err := os.WriteFile(f.path(p), []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeHost) read(p string) (string, bool) {
	b, err := os.ReadFile(f.path(p))
	return string(b), err == nil
}

func (f *fakeHost) rewrite(s string) string {
	for _, p := range fakeHostPaths {
		s = strings.ReplaceAll(s, p, f.root+p)
	}
	return s
}

func (f *fakeHost) unrewrite(s string) string { return strings.ReplaceAll(s, f.root, "") }

// connect is Options.Connect.
func (f *fakeHost) connect(_ context.Context, h *inventory.Host) (transport.Conn, error) {
	f.mu.Lock()
	f.dials++
	first := f.dials == 1
	f.mu.Unlock()
	if !first && f.refuse != nil && f.refuse(f) {
		return nil, errors.New("ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain")
	}
	return &fakeConn{f: f}, nil
}

// scripts returns the scripts run so far (round trips, counted host-side).
func (f *fakeHost) scripts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.runs...)
}

type fakeConn struct {
	f     *fakeHost
	local transport.Local
}

func (c *fakeConn) Run(ctx context.Context, script string, become bool) (*transport.Result, error) {
	c.f.mu.Lock()
	c.f.runs = append(c.f.runs, script)
	c.f.mu.Unlock()
	prelude, _ := c.f.read("prelude.sh")
	res, err := c.local.Run(ctx, prelude+c.f.rewrite(script), false)
	if res != nil {
		res.Stdout, res.Stderr = c.f.unrewrite(res.Stdout), c.f.unrewrite(res.Stderr)
	}
	return res, err
}

func (c *fakeConn) Stage(ctx context.Context, data []byte) (string, error) {
	return c.local.Stage(ctx, data)
}

func (c *fakeConn) Stats() *transport.Stats { return c.local.Stats() }
func (c *fakeConn) Close() error            { return nil }

// fakeInventory has one host reached through Options.Connect, with sudo.
const fakeInventory = `host "h1" {
  address = "192.0.2.1"
  become  = true
}
`

// TestFakeHostRoundTrips: an unchanged host costs one script (facts and
// every probe together), counted on the host's side.
func TestFakeHostRoundTrips(t *testing.T) {
	f := newFakeHost(t)
	w := newWorld(t, `
task "file" "a" {
  path    = "${var.root}/a"
  content = "a\n"
}

task "file" "b" {
  path    = "${var.root}/b"
  content = "b\n"
}

task "service" "ssh" {
  name  = "ssh"
  state = "started"
}
`, fakeInventory)
	w.apply(runOpts{connect: f.connect})
	before := len(f.scripts())
	res := w.apply(runOpts{connect: f.connect})
	if n := len(f.scripts()) - before; n != 1 {
		t.Errorf("an unchanged host took %d scripts, want 1", n)
	}
	if rc := res.recap["h1"]; rc.OK != 3 || rc.Changed != 0 || rc.Stats == nil || rc.Stats.RoundTrips != 1 {
		t.Errorf("recap %+v stats %+v", rc, rc.Stats)
	}
}

const guardBook = `
variable "conf" {
  type = string
}

variable "main" {
  type    = string
  default = ""
}

task "file" "dropin" {
  path    = "/etc/ssh/sshd_config.d/10-test.conf"
  content = var.conf
  notify  = [handler.reload_ssh]
}

task "file" "main" {
  path    = "/etc/ssh/sshd_config"
  content = var.main
  when    = var.main != ""
  notify  = [handler.reload_ssh]
}

task "file" "after" {
  path    = "${var.root}/after"
  content = "x\n"
}

handler "service" "reload_ssh" {
  name  = "ssh"
  state = "reloaded"
}
`

// lockedOut refuses logins while a drop-in says "lockout".
func lockedOut(f *fakeHost) bool {
	s, _ := f.read("/etc/ssh/sshd_config.d/10-test.conf")
	m, _ := f.read("/etc/ssh/sshd_config")
	return strings.Contains(s+m, "lockout")
}

// guardLeft lists backups the guard left on the host.
func (f *fakeHost) guardLeft() []string {
	ents, _ := os.ReadDir(f.path("/run/clawrun-guard"))
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// TestSSHDGuard: after ssh is reloaded, a fresh login must work; when it
// does not, the sshd files come back exactly as they were (an existing
// file byte for byte with its mode, a new one removed), ssh is reloaded
// again, the host fails with the guard's message, and no backup is left.
func TestSSHDGuard(t *testing.T) {
	const old = "Port 22\r\nweird\x01bytes\n# no newline at the end"
	cases := []struct {
		name     string
		existing map[string]string // files before the run
		vars     []string
		locked   bool
	}{
		{"existing file restored", map[string]string{"/etc/ssh/sshd_config.d/10-test.conf": old}, []string{"conf=lockout\n"}, true},
		{"new file removed", nil, []string{"conf=lockout\n"}, true},
		{"two files, one new", map[string]string{"/etc/ssh/sshd_config": old}, []string{"conf=fine\n", "main=lockout\n"}, true},
		{"login works: change kept", map[string]string{"/etc/ssh/sshd_config.d/10-test.conf": old}, []string{"conf=PermitRootLogin no\n"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeHost(t)
			f.refuse = lockedOut
			for p, content := range c.existing {
				f.write(p, content)
				os.Chmod(f.path(p), 0o640)
			}
			w := newWorld(t, guardBook, fakeInventory)
			res := w.apply(runOpts{connect: f.connect, vars: c.vars})
			files := []string{"/etc/ssh/sshd_config.d/10-test.conf", "/etc/ssh/sshd_config"}
			log, _ := f.read("systemctl.log")
			if !c.locked {
				if res.code != 0 {
					t.Fatalf("exit %d\n%s", res.code, res.text)
				}
				if got, _ := f.read(files[0]); got != "PermitRootLogin no\n" {
					t.Errorf("the change was not kept: %q", got)
				}
				if strings.Count(log, "reload") != 1 {
					t.Errorf("systemctl calls:\n%s", log)
				}
			} else {
				if res.code != 1 {
					t.Errorf("exit %d, want 1\n%s", res.code, res.text)
				}
				e := res.task("h1", "handler.reload_ssh")
				if e == nil || e.Status != event.StatusFailed || !strings.Contains(e.Error, "sshd lock-out guard: reverted the sshd configuration change") {
					t.Errorf("handler event %+v", e)
				}
				for _, p := range files {
					got, ok := f.read(p)
					want, existed := c.existing[p]
					switch {
					case existed && (!ok || got != want):
						t.Errorf("%s not restored byte for byte: %q", p, got)
					case !existed && ok:
						t.Errorf("%s was absent before and is still there: %q", p, got)
					}
					if st, err := os.Stat(f.path(p)); existed && err == nil && st.Mode().Perm() != 0o640 {
						t.Errorf("%s mode %v, want 0640 back", p, st.Mode().Perm())
					}
				}
				// The handler's reload, then the guard's after restoring.
				if !strings.Contains(log, "reload -- ssh.service") || !strings.HasSuffix(log, "reload ssh\n") {
					t.Errorf("systemctl calls:\n%s", log)
				}
			}
			if left := f.guardLeft(); len(left) > 0 {
				t.Errorf("guard backups left on the host: %v", left)
			}
		})
	}
}

// TestSSHDGuardServiceTask: a service task that restarts ssh is guarded
// too, and a reverted change stops the host before its next task.
func TestSSHDGuardServiceTask(t *testing.T) {
	f := newFakeHost(t)
	f.refuse = lockedOut
	w := newWorld(t, `
task "file" "dropin" {
  path    = "/etc/ssh/sshd_config.d/10-test.conf"
  content = "lockout\n"
}

task "service" "ssh" {
  name  = "ssh"
  state = "restarted"
}

task "file" "after" {
  path    = "${var.root}/after"
  content = "x\n"
}
`, fakeInventory)
	res := w.apply(runOpts{connect: f.connect})
	if res.code != 1 || w.exists("after") {
		t.Errorf("exit %d; a host whose sshd change was reverted went on", res.code)
	}
	if _, ok := f.read("/etc/ssh/sshd_config.d/10-test.conf"); ok {
		t.Error("the new drop-in was not removed")
	}
	if e := res.task("h1", "service.ssh"); e == nil || !strings.Contains(e.Error, "lock-out guard") {
		t.Errorf("service.ssh %+v", e)
	}
	if left := f.guardLeft(); len(left) > 0 {
		t.Errorf("guard backups left: %v", left)
	}
}

// TestSSHDGuardCleanupRidesAlong: when the fresh login works, the backups
// are removed with the next task's steps, and none is left after the run.
func TestSSHDGuardCleanupRidesAlong(t *testing.T) {
	f := newFakeHost(t)
	f.refuse = lockedOut
	w := newWorld(t, `
task "file" "dropin" {
  path    = "/etc/ssh/sshd_config.d/10-test.conf"
  content = "fine\n"
}

task "service" "ssh" {
  name  = "ssh"
  state = "restarted"
}

task "file" "after" {
  path    = "${var.root}/after"
  content = "x\n"
}
`, fakeInventory)
	res := w.apply(runOpts{connect: f.connect})
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.text)
	}
	scripts := f.scripts()
	// The backups' removal rides along with the next task's steps: no
	// round trip of its own.
	last := scripts[len(scripts)-1]
	if !strings.Contains(last, "rm -f '/run/clawrun-guard/") || !strings.Contains(last, "/after") {
		t.Errorf("the cleanup did not ride along with the next steps:\n%s", last)
	}
	if left := f.guardLeft(); len(left) > 0 {
		t.Errorf("guard backups left: %v", left)
	}
}
