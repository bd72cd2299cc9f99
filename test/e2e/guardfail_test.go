package e2e

import (
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestSSHDGuardHostFailsBeforeReload: a task changes sshd's configuration,
// a later task fails, so the handler that would reload ssh (and have the
// guard check a fresh login) never runs. The unchecked change must not stay
// for the next reload or boot to apply: it is reverted.
func TestSSHDGuardHostFailsBeforeReload(t *testing.T) {
	tb := testbed.Get(t)
	const conf = "/etc/ssh/sshd_config.d/05-clawrun-guardfail.conf"
	cleanupHosts(t, tb, "rm -f "+conf+"; systemctl reload ssh", "h1")
	dir := t.TempDir()
	writeFile(t, dir, "pb.hcl", `task "file" "lock" {
  path    = "`+conf+`"
  content = "AllowUsers nobody\n"
  notify  = [handler.reload_ssh]
}

task "command" "boom" {
  cmd = "exit 3"
}

handler "service" "reload_ssh" {
  name  = "ssh"
  state = "reloaded"
}
`)
	r := clawrun(t, dir, nil, "apply", "pb.hcl", "-i", tb.Inventory, "--limit", "h1")
	if r.Code != 1 || !strings.Contains(r.Stdout, "reverted the sshd configuration change") {
		t.Fatalf("exit %d, want 1 and the guard's revert\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if out := tb.MustSSH(t, "h1", "test -e "+conf+" && echo present || echo absent"); strings.TrimSpace(out) != "absent" {
		t.Fatalf("the unchecked sshd change stayed: %s", out)
	}
	tb.MustSSH(t, "h1", "systemctl reload ssh")
	tb.WaitSSH(t, "h1", 15e9)
}
