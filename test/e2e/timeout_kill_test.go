package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestTimeoutEndsTaskProcesses: a task past its timeout has everything
// it started on the host ended (not only its session closed), so the next
// task gets the lock it held. Through sudo and with a root login.
func TestTimeoutEndsTaskProcesses(t *testing.T) {
	tb := testbed.Get(t)
	allowRoot(t, tb, "h1")
	for _, c := range []struct{ name, inv string }{
		{"sudo", tb.Inventory},
		{"root login", inventoryWith(t, tb, `user          = "admin"`, `user          = "root"`)},
	} {
		t.Run(c.name, func(t *testing.T) { timeoutKill(t, tb, "h1", c.inv, nil) })
	}
}

// TestTimeoutEndsTaskProcessesSudoPassword: the same through a sudo that
// asks for a password (the fresh session that ends them sends it too).
func TestTimeoutEndsTaskProcessesSudoPassword(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "rm -f /etc/sudoers.d/pwuser; userdel -r pwuser 2>/dev/null; true", "h2")
	const password = "pw-0d41f2b9c7e8"
	tb.MustSSH(t, "h2", `id pwuser >/dev/null 2>&1 || useradd -m -s /bin/bash pwuser
echo 'pwuser:`+password+`' | chpasswd
echo 'pwuser ALL=(ALL) ALL' > /etc/sudoers.d/pwuser; chmod 0440 /etc/sudoers.d/pwuser
install -d -m 0700 -o pwuser -g pwuser /home/pwuser/.ssh
cp /home/admin/.ssh/authorized_keys /home/pwuser/.ssh/; chown pwuser:pwuser /home/pwuser/.ssh/authorized_keys`)
	inv := filepath.Join(t.TempDir(), "inv.hcl")
	os.WriteFile(inv, []byte(fmt.Sprintf("host \"h2\" {\n  address = %q\n  user = \"pwuser\"\n  identity_file = %q\n  known_hosts = %q\n  become = true\n}\n",
		tb.Address("h2"), tb.Key, tb.KnownHosts)), 0o644)
	timeoutKill(t, tb, "h2", inv, []string{"CLAWRUN_BECOME_PASSWORD=" + password})
}

func timeoutKill(t *testing.T, tb *testbed.Testbed, host, inv string, env []string) {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pb.hcl"), []byte(`
task "command" "hang" {
  cmd           = "flock /tmp/clawtest-kill.lock sleep 300"
  timeout       = 5
  ignore_errors = true
}
task "command" "next" {
  cmd = "flock -w 3 /tmp/clawtest-kill.lock true && touch /var/tmp/clawtest-next"
}
`), 0o644)
	tb.MustSSH(t, host, "rm -f /var/tmp/clawtest-next")
	t.Cleanup(func() {
		tb.MustSSH(t, host, "pkill -f '[f]lock /tmp/clawtest-kill'; pkill -x -f 'sleep 300'; rm -f /tmp/clawtest-kill.lock /var/tmp/clawtest-next")
	})
	start := time.Now()
	r := clawrun(t, dir, env, "apply", "pb.hcl", "-i", inv, "--limit", host, "--format", "json")
	if r.Code != 0 {
		t.Fatalf("exit %d, want 0 (next gets the lock)\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %s", d)
	}
	timedOut := false
	for _, e := range events(t, r.Stdout) {
		if e.Task == "command.hang" && strings.Contains(e.Error, "timeout (5s)") {
			timedOut = true
		}
	}
	if !timedOut {
		t.Errorf("hang did not time out:\n%s", r.Stdout)
	}
	expect(t, host, tb.MustSSH(t, host, "test -e /var/tmp/clawtest-next && echo ran || echo no"), "ran")
	// [c] keeps ps's own command line out of the match.
	ps := tb.MustSSH(t, host, "ps -eo pid,ppid,pgid,args | grep -e '[c]lawtest-kill' -e '[s]leep 300' -e '[c]lawrun-sh-' || true")
	if strings.TrimSpace(ps) != "" {
		t.Errorf("processes of the timed-out task remain:\n%s", ps)
	}
}

// TestProbeTimeoutFromTask: a hung probe (unless) is bounded by its
// task's timeout, not by the 5-minute default, and says so; also beside
// a task without a timeout (probed in a round trip of its own).
func TestProbeTimeoutFromTask(t *testing.T) {
	tb := testbed.Get(t)
	const hang = `
task "command" "probe_hangs" {
  cmd     = "true"
  unless  = "sleep 400"
  timeout = 5
}
`
	for _, c := range []struct{ name, pb string }{
		{"alone", hang},
		{"beside a task without timeout", `
task "command" "plain" {
  cmd    = "true"
  unless = "true"
}
` + hang},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "pb.hcl"), []byte(c.pb), 0o644)
			t.Cleanup(func() { tb.MustSSH(t, "h1", "pkill -x -f 'sleep 400' || true") })
			start := time.Now()
			r := clawrun(t, dir, nil, "plan", "pb.hcl", "-i", tb.Inventory, "--limit", "h1")
			d := time.Since(start)
			if r.Code != 1 {
				t.Fatalf("exit %d, want 1\n%s%s", r.Code, r.Stdout, r.Stderr)
			}
			if d > 15*time.Second {
				t.Errorf("failed after %s, want within the task's timeout (5 s) + 10 s", d)
			}
			out := r.Stdout + r.Stderr
			if !strings.Contains(out, "timeout (5s)") || strings.Contains(out, "give the task a longer timeout") {
				t.Errorf("message does not name the task's timeout:\n%s", out)
			}
			ps := tb.MustSSH(t, "h1", "ps -eo pid,args | grep '[s]leep 400' || true")
			if strings.TrimSpace(ps) != "" {
				t.Errorf("the hung probe still runs:\n%s", ps)
			}
		})
	}
}
