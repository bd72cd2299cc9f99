package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestSSHDLockoutGuard: a drop-in that shuts out the login clawrun uses is
// reverted after the reload, the host stays reachable, exit 1.
func TestSSHDLockoutGuard(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "rm -f /etc/ssh/sshd_config.d/05-clawtest-lockout.conf; rm -rf /run/clawrun-guard; systemctl reload ssh", "h1")
	tb.MustSSH(t, "h1", "rm -f /etc/ssh/sshd_config.d/05-clawtest-lockout.conf; systemctl reload ssh")
	// sshd re-executes itself on reload and refuses connections meanwhile.
	tb.WaitSSH(t, "h1", 10*time.Second)
	r := clawrun(t, "testdata", nil, "apply", "sshd-lockout.hcl", "-i", tb.Inventory, "--limit", "h1")
	if r.Code != 1 || !strings.Contains(r.Stdout, "reverted the sshd configuration change") || !strings.Contains(r.Stdout, "locked the operator out") {
		t.Fatalf("exit %d, want 1 with the guard's message\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	tb.WaitSSH(t, "h1", 10*time.Second)
	expect(t, "h1", tb.MustSSH(t, "h1", "test -e /etc/ssh/sshd_config.d/05-clawtest-lockout.conf && echo present || echo reverted; sshd -T | grep -c '^allowusers' || true; ls /run/clawrun-guard 2>/dev/null | wc -l"),
		"reverted\n0\n0")
}

// TestInterruptFinishesRunningTask: SIGINT lets each host finish its task,
// starts nothing more, prints the recap, exits 130, leaves no temp file.
func TestInterruptFinishesRunningTask(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "touch /var/tmp/clawint-go; rm -rf /var/tmp/clawint /var/tmp/clawint-started /var/tmp/clawint-go")
	for _, h := range tb.Hosts {
		tb.MustSSH(t, h, "rm -rf /var/tmp/clawint /var/tmp/clawint-started /var/tmp/clawint-go; mkdir -p /var/tmp/clawint")
	}
	cmd := exec.Command(bin, "apply", "interrupt.hcl", "-i", tb.Inventory)
	cmd.Dir = "testdata"
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt while the task runs on every host; it finishes when the
	// interrupt has been taken.
	waitFor(t, "the task to run on every host", 60*time.Second, func() bool {
		for _, h := range tb.Hosts {
			if o, _ := tb.SSH(t, h, "test -e /var/tmp/clawint-started && echo yes"); strings.TrimSpace(o) != "yes" {
				return false
			}
		}
		return true
	})
	cmd.Process.Signal(syscall.SIGINT)
	waitFor(t, "the interrupt to be taken", 10*time.Second, func() bool { return strings.Contains(out.String(), "interrupted: finishing running tasks") })
	for _, h := range tb.Hosts {
		tb.MustSSH(t, h, "touch /var/tmp/clawint-go")
	}
	err := cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code != 130 || !strings.Contains(out.String(), "unreachable=0") {
		t.Fatalf("exit %d, want 130 and a recap\n%s", code, out.String())
	}
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "ls -A /var/tmp/clawint"), "first")
	})
}

// TestFullDisk: a write to a full filesystem fails clearly and leaves the
// old file intact, with no temp file.
func TestFullDisk(t *testing.T) {
	tb := testbed.Get(t)
	pid, err := os.ReadFile(filepath.Join(tb.Dir, "hosts", "h2", "pid"))
	if err != nil {
		t.Fatal(err)
	}
	init, err := exec.Command("pgrep", "-P", strings.TrimSpace(string(pid))).Output()
	if err != nil {
		t.Fatalf("container init: %v", err)
	}
	tb.MustSSH(t, "h2", "umount /mnt/clawfull 2>/dev/null; mkdir -p /mnt/clawfull")
	// Mount a 16 KiB tmpfs in the container's mount namespace.
	if out, err := exec.Command("nsenter", "-t", strings.Fields(string(init))[0], "-m", "--", "mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", "/mnt/clawfull").CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v %s", err, out)
	}
	cleanupHosts(t, tb, "umount /mnt/clawfull", "h2")
	tb.MustSSH(t, "h2", "echo old content > /mnt/clawfull/app.conf")
	r := clawrun(t, "testdata", nil, "apply", "full.hcl", "-i", tb.Inventory, "--limit", "h2")
	if r.Code != 1 || !strings.Contains(r.Stdout, "No space left on device") {
		t.Fatalf("exit %d, want 1 naming the full disk\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h2", tb.MustSSH(t, "h2", "cat /mnt/clawfull/app.conf; ls -A /mnt/clawfull"), "old content\napp.conf")
}

// TestLinkDropDuringLargeWrite: the link drops while a large file is
// uploaded: the host fails within the keepalive timeout, the target keeps
// its old content, no temp file is left beside it, a rerun converges.
func TestLinkDropDuringLargeWrite(t *testing.T) {
	tb := testbed.Get(t)
	dir := t.TempDir()
	big := make([]byte, 300<<20)
	rand.Read(big)
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "big.hcl", "task \"file\" \"big\" {\n  path   = \"/var/tmp/clawbig/big.bin\"\n  source = \"big.bin\"\n}\n")
	tb.MustSSH(t, "h3", "rm -rf /var/tmp/clawbig /home/admin/.clawrun-staging; mkdir -p /var/tmp/clawbig; echo old > /var/tmp/clawbig/big.bin")
	cleanupHosts(t, tb, "rm -rf /var/tmp/clawbig /home/admin/.clawrun-staging", "h3")
	// Registered after the host cleanup, so it runs first: the link is up
	// again whatever failed.
	t.Cleanup(func() { exec.Command("ip", "link", "set", tb.Veth("h3"), "up").Run() })
	oldSum := fmt.Sprintf("%x", sha256.Sum256([]byte("old\n")))
	newSum := fmt.Sprintf("%x", sha256.Sum256(big))
	cmd := exec.Command(bin, "apply", "big.hcl", "-i", tb.Inventory, "--limit", "h3")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the upload has begun, then pull the cable.
	waitFor(t, "the upload to begin", 60*time.Second, func() bool {
		o, _ := tb.SSH(t, "h3", "ls /home/admin/.clawrun-staging 2>/dev/null | wc -l")
		return strings.TrimSpace(o) == "1"
	})
	if err := exec.Command("ip", "link", "set", tb.Veth("h3"), "down").Run(); err != nil {
		t.Fatal(err)
	}
	dropped := time.Now()
	// The keepalive fails the host in 15-20 s; a run still going after a
	// minute is broken, not slow.
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var err error
	select {
	case err = <-waited:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the run did not end a minute after the link dropped: keepalive broken\n%s", out.String())
	}
	exec.Command("ip", "link", "set", tb.Veth("h3"), "up").Run()
	took := time.Since(dropped)
	if err == nil || !strings.Contains(out.String(), "h3") {
		t.Fatalf("apply survived a dropped link?\n%s", out.String())
	}
	t.Logf("failed %s after the drop (%s after start): %s", took.Round(time.Second), time.Since(start).Round(time.Second), strings.TrimSpace(out.String()))
	tb.WaitSSH(t, "h3", 20*time.Second)
	// The target keeps its old content, byte for byte, and nothing is
	// left beside it.
	expect(t, "h3", tb.MustSSH(t, "h3", "ls -A /var/tmp/clawbig; sha256sum < /var/tmp/clawbig/big.bin | cut -d' ' -f1"), "big.bin\n"+oldSum)
	r := clawrun(t, dir, nil, "apply", "big.hcl", "-i", tb.Inventory, "--limit", "h3")
	if r.Code != 0 {
		t.Fatalf("rerun: %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	r = clawrun(t, dir, nil, "plan", "big.hcl", "-i", tb.Inventory, "--limit", "h3", "--detailed-exitcode")
	if r.Code != 0 {
		t.Errorf("not converged after rerun: %d\n%s", r.Code, r.Stdout)
	}
	expect(t, "h3", tb.MustSSH(t, "h3", "ls -A /var/tmp/clawbig; sha256sum < /var/tmp/clawbig/big.bin | cut -d' ' -f1"), "big.bin\n"+newSum)
}

// TestSecretsInEveryPath runs every output path with a sensitive value and
// finds it nowhere: text, --diff, -v, json, markdown, plan file, error
// messages, failed validate output, and the target's process list.
func TestSecretsInEveryPath(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "rm -rf /etc/clawsecret", "h1")
	dir := t.TempDir()
	for _, f := range []string{"secrets-all.hcl", "secret.tmpl"} {
		b, _ := os.ReadFile("testdata/" + f)
		writeFile(t, dir, f, string(b))
	}
	tb.MustSSH(t, "h1", "rm -rf /etc/clawsecret")
	env := []string{"CLAWRUN_VAR_token=" + secret}
	var all strings.Builder
	run := func(args ...string) {
		r := clawrun(t, dir, env, args...)
		fmt.Fprintf(&all, "$ %v (exit %d)\n%s%s", args, r.Code, r.Stdout, r.Stderr)
	}
	inv := tb.Inventory
	run("validate", "secrets-all.hcl", "-i", inv)
	run("plan", "secrets-all.hcl", "-i", inv, "--limit", "h1", "-v")
	run("plan", "secrets-all.hcl", "-i", inv, "--limit", "h1", "--format", "json")
	run("plan", "secrets-all.hcl", "-i", inv, "--limit", "h1", "--format", "markdown", "--out", filepath.Join(dir, "plan.json"))
	pf, _ := os.ReadFile(filepath.Join(dir, "plan.json"))
	all.Write(pf)
	// Watch the process list while the apply runs a task that holds the secret.
	stop := make(chan struct{})
	done := sampleWhile(stop, func() string { o, _ := tb.SSH(t, "h1", "ps -eo args"); return o })
	run("apply", "secrets-all.hcl", "-i", inv, "--limit", "h1", "--diff", "-v")
	close(stop)
	psOut := <-done
	if !strings.Contains(psOut, "sleep 2") {
		t.Errorf("the process list never showed the running task: the ps check proves nothing")
	}
	all.WriteString(psOut)
	run("apply", "secrets-all.hcl", "-i", inv, "--limit", "h1", "--format", "json", "--var", "fail=true")
	run("apply", "secrets-all.hcl", "-i", inv, "--limit", "h1", "--format", "markdown", "--var", "fail=true")
	run("apply", "secrets-all.hcl", "-i", inv, "--limit", "h1", "--var", "bad_validate=true", "-v")
	if n := strings.Count(all.String(), secret); n != 0 {
		t.Errorf("the secret appears %d times:\n%s", n, all.String())
	}
	for _, want := range []string{"(sensitive value)", "validate failed"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("output lacks %q: the paths were not exercised\n%s", want, all.String())
		}
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "cat /etc/clawsecret/env; jq -r .token /etc/clawsecret/app.json; cat /etc/clawsecret/templated"),
		"TOKEN="+secret+"\n"+secret+"\ntoken: "+secret)
}
