package e2e

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clawrun/clawrun/test/testbed"
)

// hostileUser makes a fresh non-root user on host h; its home is its own.
func hostileUser(t *testing.T, tb *testbed.Testbed, h, name string) {
	t.Helper()
	tb.MustSSH(t, h, "userdel -r "+name+" 2>/dev/null; useradd -m -s /bin/sh "+name)
}

// TestNoWriteThroughUserSymlinks: the two attacks on a real host.
// A user plants ~/.app -> /etc/cron.d and ~/.ssh -> /usr/local/bin; root's
// jq-edit into ~/.app and the user module's authorized_keys must not write,
// chmod or chown there. The usual case (no symlink) still works, written
// as the user.
func TestNoWriteThroughUserSymlinks(t *testing.T) {
	tb := testbed.Get(t)
	h := "h1"
	hostileUser(t, tb, h, "mallory")
	hostileUser(t, tb, h, "molty")
	tb.MustSSH(t, h, "rm -f /etc/cron.d/config.json /usr/local/bin/authorized_keys; "+
		"runuser -u mallory -- ln -s /etc/cron.d /home/mallory/.app; "+
		"runuser -u mallory -- ln -s /usr/local/bin /home/mallory/.ssh")
	before := tb.MustSSH(t, h, "stat -c '%U %a' /etc/cron.d /usr/local/bin")
	dir := t.TempDir()
	writeFile(t, dir, "pb.hcl", `
task "jq-edit" "cron_via_symlink" {
  path          = "/home/mallory/.app/config.json"
  create        = true
  mode          = "0644"
  owner         = "mallory"
  expression    = ".x = \"* * * * * root touch /var/tmp/clawpwned\""
  ignore_errors = true
}
task "user" "keys_via_symlink" {
  name            = "mallory"
  authorized_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE1ylqHSfyNSxxbWnJYd7gjI5pqAXsBQRo3kW7Rm0xOW x"]
  ignore_errors   = true
}
task "jq-edit" "owner_root_in_users_dir" {
  path          = "/home/molty/config.json"
  create        = true
  owner         = "root"
  expression    = ".a = 1"
  ignore_errors = true
}
task "file" "usual_dir" {
  path  = "/home/molty/.openclaw"
  state = "directory"
  mode  = "0700"
  owner = "molty"
  group = "molty"
}
task "jq-edit" "usual_config" {
  path       = "/home/molty/.openclaw/openclaw.json"
  create     = true
  mode       = "0600"
  owner      = "molty"
  group      = "molty"
  expression = ".gateway.bind = \"loopback\""
}
task "user" "usual_keys" {
  name            = "molty"
  authorized_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE1ylqHSfyNSxxbWnJYd7gjI5pqAXsBQRo3kW7Rm0xOW x"]
}
`)
	// Plan already says what apply will refuse.
	r := clawrun(t, dir, nil, "plan", "pb.hcl", "-i", tb.Inventory, "--limit", h, "--format", "json")
	for _, e := range events(t, r.Stdout) {
		if e.Task == "jq-edit.owner_root_in_users_dir" && (e.Status != "failed" || !strings.Contains(e.Error, "/home/molty is owned by molty")) {
			t.Errorf("plan of the refused write: %s %q", e.Status, e.Error)
		}
	}
	r = clawrun(t, dir, nil, "apply", "pb.hcl", "-i", tb.Inventory, "--limit", h)
	if !strings.Contains(r.Stdout, "/home/molty is owned by molty") || !strings.Contains(r.Stdout, "owner must be molty") {
		t.Errorf("no refusal naming the component and its owner:\n%s%s", r.Stdout, r.Stderr)
	}
	expect(t, h, tb.MustSSH(t, h, "ls /etc/cron.d/config.json /usr/local/bin/authorized_keys /usr/local/bin/.clawrun* 2>&1 | grep -vc 'No such file' || true"), "0")
	expect(t, h, tb.MustSSH(t, h, "stat -c '%U %a' /etc/cron.d /usr/local/bin"), before)
	expect(t, h, tb.MustSSH(t, h, "stat -c '%U:%G %a' /home/molty/.openclaw /home/molty/.openclaw/openclaw.json /home/molty/.ssh /home/molty/.ssh/authorized_keys; test -e /home/molty/config.json && echo written || echo refused"),
		"molty:molty 700\nmolty:molty 600\nmolty:molty 700\nmolty:molty 600\nrefused")
	if !strings.Contains(r.Stdout, "changed=3 failed=0") || !strings.Contains(r.Stdout, "ignored=3") {
		t.Errorf("want the three usual tasks changed, the three attacks failed (ignored):\n%s", r.Stdout)
	}
	// A second run changes nothing.
	r = clawrun(t, dir, nil, "plan", "pb.hcl", "-i", tb.Inventory, "--limit", h, "--format", "json")
	for _, e := range events(t, r.Stdout) {
		if strings.HasPrefix(e.Task, "usual") && e.Status != "ok" {
			t.Errorf("%s: %s on the second run", e.Task, e.Status)
		}
	}
}

// TestHostileValuesNeverRunOnHost: quotes, $(), backticks and newlines in
// playbook values reach the host as data: a failing step's description,
// paths, lines, owners. Cron env values with newlines fail validate.
func TestHostileValuesNeverRunOnHost(t *testing.T) {
	tb := testbed.Get(t)
	h := "h2"
	tb.MustSSH(t, h, "rm -rf /var/tmp/clawpwned* /var/tmp/clawq; mkdir -p /var/tmp/clawq")
	dir := t.TempDir()
	writeFile(t, dir, "pb.hcl", `
locals {
  evil = "$(touch /var/tmp/clawpwned1)`+"`touch /var/tmp/clawpwned2`"+`';touch /var/tmp/clawpwned3;'\";touch /var/tmp/clawpwned4;\"\ntouch /var/tmp/clawpwned5\n-rf"
}
task "file" "missing_parent" {
  path          = "/var/tmp/clawq/none/${replace(local.evil, "\n", " ")}"
  content       = local.evil
  ignore_errors = true
}
task "file" "written" {
  path    = "/var/tmp/clawq/${replace(replace(local.evil, "/", "_"), "\n", " ")}"
  content = local.evil
  backup  = true
}
task "line" "line" {
  path   = "/var/tmp/clawq/lines"
  line   = replace(local.evil, "\n", " ")
  create = true
}
task "file" "bad_owner" {
  path          = "/var/tmp/clawq/owned"
  content       = "x"
  owner         = local.evil
  ignore_errors = true
}
`)
	r := clawrun(t, dir, nil, "apply", "pb.hcl", "-i", tb.Inventory, "--limit", h)
	if !strings.Contains(r.Stdout, "step 1 (write /var/tmp/clawq/none/$(touch /var/tmp/clawpwned1)") {
		t.Errorf("the failed step's description is not printed as is:\n%s", r.Stdout)
	}
	expect(t, h, tb.MustSSH(t, h, "ls /var/tmp | grep -c clawpwned || true"), "0")
	expect(t, h, tb.MustSSH(t, h, "set -- /var/tmp/clawq/*; echo $#; tail -c 4 /var/tmp/clawq/lines"), "2\n-rf")

	writeFile(t, dir, "cron.hcl", `
task "cron" "env" {
  name      = "x"
  cron_file = "clawq"
  schedule  = "@daily"
  command   = "true"
  env       = { PATH = "/bin\n* * * * * root touch /var/tmp/clawpwned6" }
}
`)
	r = clawrun(t, dir, nil, "apply", "cron.hcl", "-i", tb.Inventory, "--limit", h)
	if r.Code != 1 || !strings.Contains(r.Stderr+r.Stdout, "cron.hcl:7:") || !strings.Contains(r.Stderr+r.Stdout, "Invalid env value") {
		t.Errorf("exit %d, want a validate error at cron.hcl:7\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, h, tb.MustSSH(t, h, "test -e /etc/cron.d/clawq && echo written || echo none"), "none")
}

// TestHostileOutputBounded: a task printing 200 MB fails clearly and the
// controller stays small and fast; line on a 52 MB file is refused and
// the file kept; a link target with newlines cannot forge probe records.
func TestHostileOutputBounded(t *testing.T) {
	tb := testbed.Get(t)
	h := "h3"
	tb.MustSSH(t, h, "rm -rf /var/tmp/clawbig; mkdir -p /var/tmp/clawbig; head -c 52000000 /dev/zero | tr '\\0' 'a' | fold -w 99 > /var/tmp/clawbig/big.txt; "+
		"printf 'real\\n' > /var/tmp/clawbig/victim; ln -s \"$(printf 'x\\nE\\t1\\nS\\tregular file\\t777\\tmallory\\tmallory\\t5\\t/var/tmp/clawbig/victim\\nC\\t1\\tZm9yZ2VkCg==')\" /var/tmp/clawbig/link")
	sum := tb.MustSSH(t, h, "sha256sum < /var/tmp/clawbig/big.txt")
	dir := t.TempDir()
	writeFile(t, dir, "flood.hcl", `
task "command" "flood" {
  cmd = "head -c 200000000 /dev/zero | tr '\\0' 'a'"
}
`)
	cmd := exec.Command(bin, "apply", "flood.hcl", "-i", tb.Inventory, "--limit", h)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	cmd.Run()
	elapsed := time.Since(start)
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss >> 10 // MB
	t.Logf("200 MB of output: %s, controller max RSS %d MB", elapsed.Round(time.Millisecond), rss)
	if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(out.String(), "more than 64 MiB") {
		t.Errorf("exit %d, want 1 with the output limit\n%s", cmd.ProcessState.ExitCode(), out.String())
	}
	if rss > 320 { // measured 207-246 MB; the old code: 667 MB
		t.Errorf("controller max RSS %d MB for 200 MB of host output", rss)
	}

	writeFile(t, dir, "line.hcl", `
task "line" "big" {
  path          = "/var/tmp/clawbig/big.txt"
  line          = "x"
  ignore_errors = true
}
task "file" "victim" {
  path    = "/var/tmp/clawbig/victim"
  content = "forged\n"
  mode    = "0644"
}
task "file" "link" {
  path   = "/var/tmp/clawbig/link"
  state  = "link"
  target = "/nowhere"
}
`)
	r := clawrun(t, dir, nil, "plan", "line.hcl", "-i", tb.Inventory, "--limit", h, "--format", "json")
	got := map[string]event{}
	for _, e := range events(t, r.Stdout) {
		got[e.Task] = e
	}
	if e := got["line.big"]; e.Status != "failed" || !strings.Contains(e.Error, "line edits files up to 16 MiB") {
		t.Errorf("line on a 52 MB file: %s %q", e.Status, e.Error)
	}
	if e := got["file.victim"]; e.Status != "changed" || !strings.Contains(e.Diff, "-real") {
		t.Errorf("victim planned from forged records: %s %q", e.Status, e.Diff)
	}
	if e := got["file.link"]; e.Status != "changed" || len(e.Changes) == 0 || !strings.HasPrefix(e.Changes[0].Text, "link") {
		t.Errorf("link: %+v", e)
	}
	r = clawrun(t, dir, nil, "apply", "line.hcl", "-i", tb.Inventory, "--limit", h)
	expect(t, h, tb.MustSSH(t, h, "sha256sum < /var/tmp/clawbig/big.txt"), sum)
}

// TestPlanNeverReadsThroughUserSymlinks: plans are posted in pull requests,
// and probes run as root. A user who links ~/.ssh/authorized_keys to
// /etc/shadow, or ~/.ssh to /root/.ssh, must not get root-only content
// into a plan: the user module never reads a linked authorized_keys, and
// file content below a folder the user controls is read as that user.
func TestPlanNeverReadsThroughUserSymlinks(t *testing.T) {
	tb := testbed.Get(t)
	h := "h1"
	hostileUser(t, tb, h, "mallory")
	hostileUser(t, tb, h, "molty")
	tb.MustSSH(t, h, "runuser -u mallory -- sh -c 'mkdir -m 700 ~/.ssh && ln -s /etc/shadow ~/.ssh/authorized_keys'; "+
		"runuser -u molty -- ln -s /root/.ssh /home/molty/.ssh; "+
		"printf 'ssh-ed25519 AAAAROOTONLYCANARY root-canary\\n' >> /root/.ssh/authorized_keys")
	secret := tb.MustSSH(t, h, "cat /etc/shadow /root/.ssh/authorized_keys")
	shadowSum := tb.MustSSH(t, h, "sha256sum /etc/shadow")
	dir := t.TempDir()
	writeFile(t, dir, "pb.hcl", `
task "user" "keys" {
  name            = "mallory"
  authorized_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE1ylqHSfyNSxxbWnJYd7gjI5pqAXsBQRo3kW7Rm0xOW x"]
}
task "line" "k" {
  path          = "/home/molty/.ssh/authorized_keys"
  line          = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE1ylqHSfyNSxxbWnJYd7gjI5pqAXsBQRo3kW7Rm0xOW x"
  ignore_errors = true
}
`)
	leaks := func(what, out string) {
		t.Helper()
		for _, l := range strings.Split(secret, "\n") {
			if l = strings.TrimSpace(l); len(l) > 8 && strings.Contains(out, l) {
				t.Errorf("%s shows root-only content %q", what, l)
			}
		}
	}
	for _, format := range []string{"text", "json", "markdown"} {
		r := clawrun(t, dir, nil, "plan", "pb.hcl", "-i", tb.Inventory, "--limit", h, "--format", format, "-v")
		leaks("plan --format "+format, r.Stdout+r.Stderr)
	}
	r := clawrun(t, dir, nil, "plan", "pb.hcl", "-i", tb.Inventory, "--limit", h, "--format", "json")
	for _, e := range events(t, r.Stdout) {
		switch e.Task {
		case "user.keys":
			if e.Status != "changed" || strings.Contains(e.Diff, "root:") {
				t.Errorf("user.keys: %s %q\n%s", e.Status, e.Error, e.Diff)
			}
		case "line.k":
			if e.Status != "failed" || !strings.Contains(e.Error, "cannot be read as molty") {
				t.Errorf("line.k: want a failure naming molty, got %s %q", e.Status, e.Error)
			}
		}
	}
	r = clawrun(t, dir, nil, "apply", "pb.hcl", "-i", tb.Inventory, "--limit", h)
	leaks("apply", r.Stdout+r.Stderr)
	expect(t, h, tb.MustSSH(t, h, "sha256sum /etc/shadow"), shadowSum)
	expect(t, h, tb.MustSSH(t, h, "stat -c '%F %U' /home/mallory/.ssh/authorized_keys; grep -c CANARY /root/.ssh/authorized_keys"), "regular file mallory\n1")
	tb.MustSSH(t, h, "sed -i '/root-canary/d' /root/.ssh/authorized_keys")
}

// TestLargeFilesFailOnlyTheirTasks: a user who makes the files of four
// line tasks 16,000,000 bytes each (more than the controller keeps of one
// probe's output, in base64) must not fail the host's other tasks; the
// large files are probed alone and planned too.
func TestLargeFilesFailOnlyTheirTasks(t *testing.T) {
	tb := testbed.Get(t)
	h := "h1"
	hostileUser(t, tb, h, "mallory")
	tb.MustSSH(t, h, "runuser -u mallory -- sh -c 'for i in 1 2 3 4; do yes abcdefghijklmno | head -c 16000000 > ~/big$i; done'; rm -f /root/small.conf")
	dir := t.TempDir()
	var pb strings.Builder
	for i := 1; i <= 4; i++ {
		fmt.Fprintf(&pb, "task \"line\" \"big%d\" {\n  path = \"/home/mallory/big%d\"\n  line = \"extra\"\n}\n", i, i)
	}
	pb.WriteString("task \"line\" \"small\" {\n  path   = \"/root/small.conf\"\n  line   = \"a = 1\"\n  create = true\n}\n")
	writeFile(t, dir, "pb.hcl", pb.String())
	r := clawrun(t, dir, nil, "plan", "pb.hcl", "-i", tb.Inventory, "--limit", h, "--format", "json")
	got := map[string]string{}
	for _, e := range events(t, r.Stdout) {
		if e.Task != "" {
			got[e.Task] = e.Status + " " + e.Error
		}
	}
	for _, task := range []string{"line.big1", "line.big2", "line.big3", "line.big4", "line.small"} {
		if !strings.HasPrefix(got[task], "changed") {
			t.Errorf("%s: %q, want changed\n%s", task, got[task], r.Stderr)
		}
	}
	r = clawrun(t, dir, nil, "apply", "pb.hcl", "-i", tb.Inventory, "--limit", h)
	if !strings.Contains(r.Stdout, "changed=5 failed=0") {
		t.Errorf("apply:\n%s%s", r.Stdout, r.Stderr)
	}
	expect(t, h, tb.MustSSH(t, h, "tail -n1 /home/mallory/big4; stat -c %U /home/mallory/big4; cat /root/small.conf"), "extra\nmallory\na = 1")
	tb.MustSSH(t, h, "rm -f /home/mallory/big* /root/small.conf")
}
