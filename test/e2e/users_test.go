package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestInventoryVarsSetVariables: group and host vars of the inventory set
// a declared variable per host (the trap of issue 14: vars that looked
// like they limited SSH and were ignored); --var overrides them all.
func TestInventoryVarsSetVariables(t *testing.T) {
	tb := testbed.Get(t)
	dir := t.TempDir()
	writeFile(t, dir, "inv.hcl", fmt.Sprintf(`defaults {
  user          = "admin"
  identity_file = %q
  known_hosts   = %q
  become        = true
  vars          = { admin_cidr = "any" }
}
group "vps" {
  vars = { admin_cidr = "10.66.0.0/16" }
}
host "h1" {
  address = %q
  groups  = ["vps"]
}
host "h2" {
  address = %q
  groups  = ["vps"]
  vars    = { admin_cidr = "192.0.2.7/32" }
}
`, tb.Key, tb.KnownHosts, tb.Address("h1"), tb.Address("h2")))
	writeFile(t, dir, "pb.hcl", `variable "admin_cidr" {
  type    = string
  default = "default-unused"
}
task "file" "cidr" {
  path    = "/var/tmp/claw-cidr"
  content = "${var.admin_cidr}\n"
}
`)
	r := clawrun(t, dir, nil, "apply", "pb.hcl", "-i", "inv.hcl")
	if r.Code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "cat /var/tmp/claw-cidr"), "10.66.0.0/16")
	expect(t, "h2", tb.MustSSH(t, "h2", "cat /var/tmp/claw-cidr"), "192.0.2.7/32")
	r = clawrun(t, dir, nil, "apply", "pb.hcl", "-i", "inv.hcl", "--var", "admin_cidr=198.51.100.9/32")
	if r.Code != 0 {
		t.Fatalf("apply --var: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	for _, h := range []string{"h1", "h2"} {
		expect(t, h, tb.MustSSH(t, h, "cat /var/tmp/claw-cidr"), "198.51.100.9/32")
	}
}

// TestSSHConfigAlias: a host the inventory names only by an alias is
// reached through ~/.ssh/config (HostName, User, IdentityFile,
// UserKnownHostsFile), with HOME pointed at a test folder.
func TestSSHConfigAlias(t *testing.T) {
	tb := testbed.Get(t)
	home := t.TempDir()
	ssh := filepath.Join(home, ".ssh")
	os.MkdirAll(ssh, 0o700)
	key, _ := os.ReadFile(tb.Key)
	writeFile(t, ssh, "clawtest_key", string(key))
	os.Chmod(filepath.Join(ssh, "clawtest_key"), 0o600)
	kh, _ := os.ReadFile(tb.KnownHosts)
	writeFile(t, ssh, "clawtest_known", string(kh))
	writeFile(t, ssh, "config", fmt.Sprintf(`Host claw-alias
  HostName %s
  User admin
  IdentityFile ~/.ssh/clawtest_key
  IdentitiesOnly yes
  UserKnownHostsFile ~/.ssh/clawtest_known

Host claw-hop1
  HostName %s

Match host claw-*
  User admin
  IdentityFile ~/.ssh/clawtest_key
  IdentitiesOnly yes
  UserKnownHostsFile ~/.ssh/clawtest_known

Host claw-chain
  HostName %s
  ProxyJump claw-hop1,claw-alias
`, tb.Address("h2"), tb.Address("h1"), tb.Address("h3")))
	dir := t.TempDir()
	writeFile(t, dir, "inv.hcl", "host \"claw-alias\" {\n  become = true\n}\n")
	writeFile(t, dir, "pb.hcl", "task \"file\" \"marker\" {\n  path    = \"/var/tmp/claw-alias\"\n  content = \"via ${host.name}\\n\"\n}\n")
	env := []string{"HOME=" + home, "SSH_AUTH_SOCK="}
	r := clawrun(t, dir, env, "apply", "pb.hcl", "-i", "inv.hcl")
	if r.Code != 0 {
		t.Fatalf("apply through an ssh config alias: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h2", tb.MustSSH(t, "h2", "cat /var/tmp/claw-alias"), "via claw-alias")

	// A ProxyJump chain from ssh config: h1, then h2, then h3; each hop
	// and the target take User and IdentityFile from a Match host block.
	count := "journalctl -u ssh -o cat | grep -c '^Accepted publickey for admin from " + tb.Address("h2") + " ' || true"
	before := atoi(tb.MustSSH(t, "h3", count))
	writeFile(t, dir, "chain.hcl", "host \"claw-chain\" {\n  become = true\n}\n")
	r = clawrun(t, dir, env, "apply", "pb.hcl", "-i", "chain.hcl")
	if r.Code != 0 {
		t.Fatalf("apply through a ProxyJump chain: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h3", tb.MustSSH(t, "h3", "cat /var/tmp/claw-alias"), "via claw-chain")
	if after := atoi(tb.MustSSH(t, "h3", count)); after != before+1 {
		t.Errorf("logins to h3 from h2 (the chain's last hop): %d -> %d, want one more", before, after)
	}

	// Without the host's key, the hint is the exact ssh-keyscan line.
	writeFile(t, ssh, "clawtest_known", "")
	r = clawrun(t, dir, env, "plan", "pb.hcl", "-i", "inv.hcl")
	want := fmt.Sprintf("ssh-keyscan -p 22 %s >> %s", tb.Address("h2"), filepath.Join(ssh, "clawtest_known"))
	if r.Code != 1 || !strings.Contains(r.Stdout+r.Stderr, want) {
		t.Errorf("unknown host: exit %d, want 1 and %q\n%s%s", r.Code, want, r.Stdout, r.Stderr)
	}
}

// TestExecAdHoc: clawrun exec runs on two hosts, groups identical output,
// and exits 1 when the command fails on one.
func TestExecAdHoc(t *testing.T) {
	tb := testbed.Get(t)
	dir := t.TempDir()
	tb.MustSSH(t, "h1", "rm -f /var/tmp/claw-exec-flag")
	tb.MustSSH(t, "h2", "touch /var/tmp/claw-exec-flag")
	r := clawrun(t, dir, nil, "exec", "-i", tb.Inventory, "--limit", "h1,h2", "--", "id", "-un")
	if r.Code != 0 || !strings.Contains(r.Stdout, "== h1, h2 (2 hosts): exit 0\n  admin\n") {
		t.Errorf("exec id: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	r = clawrun(t, dir, nil, "exec", "-i", tb.Inventory, "--limit", "h1,h2", "--become", "--", "id -un; cat /etc/hostname")
	if r.Code != 0 || !strings.Contains(r.Stdout, "== h1: exit 0\n  root\n  h1\n") || !strings.Contains(r.Stdout, "== h2: exit 0\n  root\n  h2\n") {
		t.Errorf("exec --become: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	r = clawrun(t, dir, nil, "exec", "-i", tb.Inventory, "--limit", "h1,h2", "--", "test", "-e", "/var/tmp/claw-exec-flag")
	if r.Code != 1 || !strings.Contains(r.Stdout, "== h1: FAILED, exit 1") || !strings.Contains(r.Stdout, "== h2: exit 0") {
		t.Errorf("exec failing on h1: exit %d, want 1\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	r = clawrun(t, dir, nil, "exec", "-i", tb.Inventory, "--limit", "h1,h2", "--format", "json", "--", "test -e /var/tmp/claw-exec-flag")
	if r.Code != 1 || !strings.Contains(r.Stdout, `"host":"h1","stdout":"","stderr":"","exit_code":1`) || !strings.Contains(r.Stdout, `"type":"exec_done"`) {
		t.Errorf("exec --format json: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}
