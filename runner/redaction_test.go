package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/event"
)

// Secrets never reach any output: text (with diffs), -v log, JSON,
// markdown, error messages, plan files.

const pemKey = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACBqkVhQqvZbU6Yq0u7zq2F8e8Vb5cHk3sQ9mQ0Yw9B1XAAAAJgk3s1YJN7N
WAAAAAtzc2gtZWQyNTUxOQAAACBqkVhQqvZbU6Yq0u7zq2F8e8Vb5cHk3sQ9mQ0Yw9B1XA
-----END OPENSSH PRIVATE KEY-----
`

// secretLines are the lines of pemKey that say something (the armour lines
// are public).
func secretLines() []string {
	var out []string
	for _, l := range strings.Split(pemKey, "\n") {
		if l != "" && !strings.HasPrefix(l, "-----") {
			out = append(out, l)
		}
	}
	return out
}

func assertNoSecret(t *testing.T, where, out string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("%s shows a secret (%.12s...)", where, s)
		}
	}
}

// TestRedactPEM: a multi-line sensitive value is redacted line by line in
// every output of plan, apply, a failed step and the saved plan.
func TestRedactPEM(t *testing.T) {
	w := newWorld(t, `
variable "key" {
  type      = string
  sensitive = true
}

task "file" "key" {
  path    = "${var.root}/id_ed25519"
  content = var.key
  mode    = "0600"
}

task "file" "wrapped" {
  path    = "${var.root}/wrapped"
  content = "before\n${var.key}after\n"
}

task "command" "leaks" {
  cmd           = "printf '%s' \"$KEY\" >&2; exit 1"
  ignore_errors = true
}
`, localInventory("h1"))
	// The command reads the key from the environment of the run (the
	// playbook could not pass it on a command line); here it is in the
	// controller's environment only for the leak check.
	t.Setenv("KEY", pemKey)
	pf := filepath.Join(w.dir, "plan.json")
	plan := w.plan(runOpts{vars: []string{"key=" + pemKey}, out: pf})
	if plan.code != 2 {
		t.Fatalf("plan exit %d %s", plan.code, plan.err)
	}
	assertNoSecret(t, "plan", plan.all(), secretLines()...)
	raw, _ := os.ReadFile(pf)
	assertNoSecret(t, "plan file", string(raw), secretLines()...)
	if !strings.Contains(plan.text, playbooks.Redacted) {
		t.Errorf("plan does not say a value was redacted:\n%s", plan.text)
	}
	res := w.apply(runOpts{vars: []string{"key=" + pemKey}})
	assertNoSecret(t, "apply", res.all(), secretLines()...)
	if got := w.read("id_ed25519"); got != pemKey {
		t.Errorf("the key written is not the key given")
	}
	if e := res.task("h1", "command.leaks"); e == nil || !strings.Contains(e.Error, playbooks.Redacted) {
		t.Errorf("the failed step's stderr was not redacted: %+v", e)
	}
}

// TestSensitiveTask: sensitive = true hides a task's diff and change
// lines, although nothing in it is a sensitive value.
func TestSensitiveTask(t *testing.T) {
	w := newWorld(t, `
task "file" "hidden" {
  path      = "${var.root}/hidden-quite-a-long-name"
  content   = "plain words that look harmless\n"
  sensitive = true
}

task "file" "shown" {
  path    = "${var.root}/shown"
  content = "visible words\n"
}
`, localInventory("h1"))
	for _, apply := range []bool{false, true} {
		res := w.must(w.run(runOpts{apply: apply}))
		assertNoSecret(t, "output", res.text+res.json+res.md, "plain words that look harmless", "hidden-quite-a-long-name")
		e := res.task("h1", "file.hidden")
		if e == nil || e.Status != event.StatusChanged || !strings.Contains(e.Diff, "diff hidden: sensitive task") {
			t.Errorf("apply=%v hidden task event %+v", apply, e)
		}
		if !strings.Contains(res.text, "visible words") {
			t.Errorf("apply=%v: the other task's diff is hidden too", apply)
		}
	}
	if w.read("hidden-quite-a-long-name") != "plain words that look harmless\n" {
		t.Error("the sensitive task was not applied")
	}
}

// TestSensitiveRandomHex: a generated token is redacted in apply's output,
// its diff, the debug log and the recap, and old values are too when it
// is rotated.
func TestSensitiveRandomHex(t *testing.T) {
	w := newWorld(t, `
locals {
  token = sensitive(random_hex(24))
}

task "file" "env" {
  path    = "${var.root}/env"
  content = "TOKEN=${local.token}\n"
}

task "command" "echo" {
  cmd = "echo using ${local.token}"
}
`, localInventory("h1"))
	res := w.apply(runOpts{})
	token := strings.TrimSpace(strings.TrimPrefix(w.read("env"), "TOKEN="))
	if len(token) != 24 {
		t.Fatalf("token %q", token)
	}
	assertNoSecret(t, "apply", res.all(), token)
	e := res.task("h1", "command.echo")
	if e == nil || len(e.Changes) == 0 || !strings.Contains(e.Changes[0].Text, playbooks.Redacted) {
		t.Errorf("command line not redacted: %+v", e)
	}
}

// TestRedactOldValue: when a sensitive value replaces an old one, the old
// value (the line it was on) is not printed either.
func TestRedactOldValue(t *testing.T) {
	w := newWorld(t, `
variable "token" {
  type      = string
  sensitive = true
}

task "file" "env" {
  path    = "${var.root}/env"
  content = "NAME=gateway\nTOKEN=${var.token}\n"
}
`, localInventory("h1"))
	const old = "old-token-3f9a1c77e2"
	if err := os.WriteFile(w.path("env"), []byte("NAME=gateway\nTOKEN="+old+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, apply := range []bool{false, true} {
		res := w.must(w.run(runOpts{apply: apply, vars: []string{"token=new-token-8d2e4b6a01"}}))
		assertNoSecret(t, "output", res.all(), old, "new-token-8d2e4b6a01")
		if e := res.task("h1", "file.env"); e == nil || e.Status != event.StatusChanged {
			t.Errorf("apply=%v: %+v", apply, e)
		}
	}
}
