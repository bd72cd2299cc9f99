package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clawrun/clawrun/test/testbed"
)

// inventoryWith writes a copy of the testbed's inventory with each old
// string replaced by its new one, and returns its path.
func inventoryWith(t *testing.T, tb *testbed.Testbed, oldNew ...string) string {
	t.Helper()
	src, err := os.ReadFile(tb.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer(oldNew...).Replace(string(src))
	inv := filepath.Join(t.TempDir(), "inventory.hcl")
	if err := os.WriteFile(inv, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return inv
}

// allowRoot lets root log in with the key on host for this test: vps.hcl,
// applied by earlier tests, turns root login off (sshd takes the first
// value, and 00- sorts first).
func allowRoot(t *testing.T, tb *testbed.Testbed, host string) {
	t.Helper()
	const conf = "/etc/ssh/sshd_config.d/00-clawtest-root.conf"
	tb.MustSSH(t, host, "echo 'PermitRootLogin prohibit-password' > "+conf+" && systemctl reload ssh")
	t.Cleanup(func() { tb.MustSSH(t, host, "rm -f "+conf+" && systemctl reload ssh") })
}

func mustRootSSH(t *testing.T, tb *testbed.Testbed, host, command string) string {
	t.Helper()
	out, err := tb.RootSSH(t, host, command)
	if err != nil {
		t.Fatalf("ssh root@%s %q: %v\n%s", host, command, err, out)
	}
	return out
}

// TestConnectRetriesWhileSSHDRestarts: sshd is stopped for 3 s while a
// plan starts; the connect is retried until it is back, the plan exits 0
// and --stats counts the retries.
func TestConnectRetriesWhileSSHDRestarts(t *testing.T) {
	tb := testbed.Get(t)
	// The session that stops sshd survives it; the timer starts it again.
	tb.MustSSH(t, "h1", "systemd-run --quiet --on-active=3 --timer-property=AccuracySec=100ms systemctl start ssh && systemctl stop ssh")
	t.Cleanup(func() { tb.MustSSH(t, "h1", "systemctl start ssh") })
	start := time.Now()
	r := clawrun(t, "testdata", nil, "plan", "command.hcl", "-i", tb.Inventory, "--limit", "h1", "--stats")
	if r.Code != 0 {
		t.Fatalf("plan exit %d, want 0\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	m := regexp.MustCompile(`connect_retries=(\d+)`).FindStringSubmatch(r.Stdout)
	if m == nil || m[1] == "0" {
		t.Fatalf("--stats shows no retried connect:\n%s", r.Stdout)
	}
	if took := time.Since(start); took < 2*time.Second {
		t.Errorf("plan took %s: sshd was not down", took)
	}
}

// TestNoLoginSaysBooting: a host whose /run/nologin refuses logins (as
// while it boots) fails with that reason, not "handshake failed: EOF".
func TestNoLoginSaysBooting(t *testing.T) {
	tb := testbed.Get(t)
	// root is exempt from pam_nologin: it sets and clears the file.
	allowRoot(t, tb, "h1")
	mustRootSSH(t, tb, "h1", "echo 'System is booting up. Unprivileged users are not permitted to log in yet.' > /run/nologin")
	t.Cleanup(func() { mustRootSSH(t, tb, "h1", "rm -f /run/nologin") })
	inv := inventoryWith(t, tb, "become        = true", "become        = true\n  connect_timeout = 2")
	r := clawrun(t, "testdata", nil, "plan", "command.hcl", "-i", inv, "--limit", "h1")
	if r.Code != 1 || !strings.Contains(r.Stdout, "host is still booting (pam_nologin)") || !strings.Contains(r.Stdout, "System is booting up") {
		t.Fatalf("exit %d, want 1 with the booting message\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if strings.Contains(r.Stdout, "handshake failed") {
		t.Errorf("the raw handshake error is shown:\n%s", r.Stdout)
	}
}

// TestRootLoginWithoutSudo: with user = "root" and become = true, tasks
// run directly; sudo is not needed (here it is gone from the host).
func TestRootLoginWithoutSudo(t *testing.T) {
	tb := testbed.Get(t)
	allowRoot(t, tb, "h2")
	mustRootSSH(t, tb, "h2", "rm -f /var/tmp/clawtest-created /var/tmp/clawtest-unless; mv /usr/bin/sudo /usr/bin/sudo.clawtest-off")
	t.Cleanup(func() { mustRootSSH(t, tb, "h2", "mv /usr/bin/sudo.clawtest-off /usr/bin/sudo") })
	inv := inventoryWith(t, tb, `user          = "admin"`, `user          = "root"`)
	r := clawrun(t, "testdata", nil, "apply", "command.hcl", "-i", inv, "--limit", "h2")
	if r.Code != 0 || !regexp.MustCompile(`h2\s+ok=\d+ changed=[1-9]\d* failed=0`).MatchString(r.Stdout) {
		t.Fatalf("apply as root without sudo: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h2", mustRootSSH(t, tb, "h2", "stat -c %U /var/tmp/clawtest-created; test -e /usr/bin/sudo && echo sudo || echo nosudo"), "root\nnosudo")
}

// TestTaskTimeout: a command sleeping past its timeout fails its host
// within timeout + 5 s; the other hosts go on.
func TestTaskTimeout(t *testing.T) {
	tb := testbed.Get(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pb.hcl"), []byte(`
task "command" "hang" {
  cmd     = host.name == "h1" ? "sleep 60" : "true"
  timeout = "3s"
}
task "command" "after" {
  cmd = "date > /var/tmp/clawtest-after"
}
`), 0o644)
	each(t, tb, func(h string) { tb.MustSSH(t, h, "rm -f /var/tmp/clawtest-after") })
	r := clawrun(t, dir, nil, "apply", "pb.hcl", "-i", tb.Inventory, "--format", "json")
	if r.Code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	var failed bool
	for _, e := range events(t, r.Stdout) {
		if e.Host == "h1" && e.Task == "command.hang" && e.Status == "failed" && strings.Contains(e.Error, "timeout (3s)") {
			failed = true
		}
	}
	if !failed {
		t.Fatalf("h1's hang did not fail with the timeout:\n%s", r.Stdout)
	}
	// host_done carries each host's duration.
	for _, line := range strings.Split(r.Stdout, "\n") {
		if strings.Contains(line, `"type":"host_done"`) && strings.Contains(line, `"host":"h1"`) {
			m := regexp.MustCompile(`"duration_ms":(\d+)`).FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("no duration in %s", line)
			}
			if ms, _ := strconv.Atoi(m[1]); ms > 8000 {
				t.Errorf("h1 took %d ms, want under timeout + 5 s", ms)
			}
		}
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "test -e /var/tmp/clawtest-after && echo ran || echo stopped"), "stopped")
	for _, h := range tb.Hosts[1:] {
		expect(t, h, tb.MustSSH(t, h, "test -e /var/tmp/clawtest-after && echo ran || echo stopped"), "ran")
	}
}

// TestSSHDGuardFailedReload: a drop-in sshd refuses makes the reload fail;
// the guard restores the previous configuration (here: no drop-in) and
// its backups do not vanish with a broken file left in place.
func TestSSHDGuardFailedReload(t *testing.T) {
	tb := testbed.Get(t)
	const conf = "/etc/ssh/sshd_config.d/06-clawtest-broken.conf"
	tb.MustSSH(t, "h3", "rm -f "+conf)
	t.Cleanup(func() { tb.MustSSH(t, "h3", "rm -f "+conf+"; systemctl reload ssh") })
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pb.hcl"), []byte(`
task "file" "broken" {
  path    = "`+conf+`"
  content = "NoSuchSSHDKeyword yes\n"
  notify  = [handler.reload_ssh]
}
handler "service" "reload_ssh" {
  name  = "ssh"
  state = "reloaded"
}
`), 0o644)
	r := clawrun(t, dir, nil, "apply", "pb.hcl", "-i", tb.Inventory, "--limit", "h3")
	if r.Code != 1 || !strings.Contains(r.Stdout, "restored the previous sshd configuration") {
		t.Fatalf("exit %d, want 1 with the guard's restore\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h3", tb.MustSSH(t, "h3", "test -e "+conf+" && echo broken-left || echo restored; sshd -t && echo sshd-ok"), "restored\nsshd-ok")
}

// TestVPSPlaybookDebian13: the runbook's playbook on Debian 13 (trixie),
// as TestVPSPlaybook does on Debian 12: converge, rerun changed=0, the
// state checked on the host.
func TestVPSPlaybookDebian13(t *testing.T) {
	tb := testbed.Get(t).OnTrixie(t)
	tb.Reset(t, tb.Hosts...)
	expect(t, tb.Hosts[0], tb.MustSSH(t, tb.Hosts[0], ". /etc/os-release; echo $VERSION_CODENAME"), "trixie")
	converge(t, tb, "../../../playbooks/vps.hcl", "--var-file", "vps-test.hcl", "--var", "admin_cidr="+tb.Subnet())
	checkVPS(t, tb)
}

// TestRootOnlyBootstrap: README's two commands from a root-only host (sudo
// gone) to the runbook's sudo user: the first as root with --tags
// packages,user, the second as that user, root login then disabled.
func TestRootOnlyBootstrap(t *testing.T) {
	tb := testbed.Get(t)
	const h = "h2"
	tb.Reset(t, h)
	pub, err := os.ReadFile(tb.Key + ".pub")
	if err != nil {
		pub = []byte(strings.TrimSpace(mustRootSSH(t, tb, h, "cat /root/.ssh/authorized_keys")))
	}
	vars := []string{"--var-file", "vps-test.hcl", "--var", "admin_cidr=" + tb.Subnet(),
		"--var", "admin_user_sudo=true", "--var", "admin_sudo_nopasswd=true",
		"--var", `admin_authorized_keys=["` + strings.TrimSpace(string(pub)) + `"]`}
	mustRootSSH(t, tb, h, "mv /usr/bin/sudo /usr/bin/sudo.clawtest-off")
	restore := func() { tb.RootSSH(t, h, "test -e /usr/bin/sudo || mv /usr/bin/sudo.clawtest-off /usr/bin/sudo") }
	t.Cleanup(restore)
	t.Cleanup(func() { tb.Reset(t, h) }) // root login is off afterwards
	root := inventoryWith(t, tb, `user          = "admin"`, `user          = "root"`)
	r := clawrun(t, "testdata", nil, append([]string{"apply", "../../../playbooks/vps.hcl", "-i", root, "--limit", h, "--tags", "packages,user"}, vars...)...)
	if r.Code != 0 {
		t.Fatalf("first run as root: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	restore() // as if apt had installed it
	user := inventoryWith(t, tb, `user          = "admin"`, `user          = "moltbot"`)
	r = clawrun(t, "testdata", nil, append([]string{"apply", "../../../playbooks/vps.hcl", "-i", user, "--limit", h}, vars...)...)
	if r.Code != 0 {
		t.Fatalf("second run as moltbot: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, h, tb.MustSSH(t, h, "sshd -T | grep '^permitrootlogin'; id -nG moltbot | tr ' ' '\\n' | grep -x sudo; stat -c '%a %U' /etc/sudoers.d/90-clawrun-admin"),
		"permitrootlogin no\nsudo\n440 root")
	if _, err := tb.RootSSH(t, h, "true"); err == nil {
		t.Errorf("root can still log in")
	}
}
