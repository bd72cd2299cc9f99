package e2e

import (
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

// TestBecomePassword: a user whose sudo asks for a password works with
// CLAWRUN_BECOME_PASSWORD, and the password shows in no output and in no
// process list on the host.
func TestBecomePassword(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "rm -f /etc/sudoers.d/pwuser /var/tmp/clawpw; userdel -r pwuser 2>/dev/null; true", "h2")
	const password = "pw-7c1e9b3a55d0"
	tb.MustSSH(t, "h2", `id pwuser >/dev/null 2>&1 || useradd -m -s /bin/bash pwuser
echo 'pwuser:`+password+`' | chpasswd
echo 'pwuser ALL=(ALL) ALL' > /etc/sudoers.d/pwuser; chmod 0440 /etc/sudoers.d/pwuser
install -d -m 0700 -o pwuser -g pwuser /home/pwuser/.ssh
cp /home/admin/.ssh/authorized_keys /home/pwuser/.ssh/; chown pwuser:pwuser /home/pwuser/.ssh/authorized_keys
rm -f /var/tmp/clawpw`)
	dir := t.TempDir()
	writeFile(t, dir, "inv.hcl", fmt.Sprintf("host \"h2\" {\n  address = %q\n  user = \"pwuser\"\n  identity_file = %q\n  known_hosts = %q\n  become = true\n}\n",
		tb.Address("h2"), tb.Key, tb.KnownHosts))
	writeFile(t, dir, "pb.hcl", "task \"command\" \"as_root\" {\n  cmd     = \"sleep 2; id -u > /var/tmp/clawpw\"\n  creates = \"/var/tmp/clawpw\"\n}\n")
	r := clawrun(t, dir, nil, "plan", "pb.hcl", "-i", "inv.hcl")
	if r.Code != 1 || !strings.Contains(r.Stdout, "CLAWRUN_BECOME_PASSWORD") {
		t.Errorf("without a password: exit %d, want 1 naming CLAWRUN_BECOME_PASSWORD\n%s", r.Code, r.Stdout)
	}
	stop := make(chan struct{})
	done := sampleWhile(stop, func() string { o, _ := tb.SSH(t, "h2", "ps -eo args"); return o })
	r = clawrun(t, dir, []string{"CLAWRUN_BECOME_PASSWORD=" + password}, "apply", "pb.hcl", "-i", "inv.hcl", "-v", "--format", "json")
	close(stop)
	ps := <-done
	if !strings.Contains(ps, "sleep 2") {
		t.Errorf("the process list never showed the running task: the ps check proves nothing")
	}
	if r.Code != 0 {
		t.Fatalf("apply with a sudo password: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h2", tb.MustSSH(t, "h2", "cat /var/tmp/clawpw"), "0")
	if strings.Contains(r.Stdout+r.Stderr+ps, password) {
		t.Errorf("the sudo password leaked into output or the process list")
	}
}

// TestJumpHost reaches h3 through h1 (ProxyJump).
func TestJumpHost(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "rm -f /var/tmp/clawjump", "h3")
	count := "journalctl -u ssh -o cat | grep -c '^Accepted publickey for admin from " + tb.Address("h1") + " ' || true"
	before := atoi(tb.MustSSH(t, "h3", "rm -f /var/tmp/clawjump; "+count))
	dir := t.TempDir()
	writeFile(t, dir, "inv.hcl", fmt.Sprintf("host \"h3\" {\n  address = %q\n  user = \"admin\"\n  jump = \"admin@%s:22\"\n  identity_file = %q\n  known_hosts = %q\n  become = true\n}\n",
		tb.Address("h3"), tb.Address("h1"), tb.Key, tb.KnownHosts))
	writeFile(t, dir, "pb.hcl", "task \"file\" \"marker\" {\n  path    = \"/var/tmp/clawjump\"\n  content = \"via ${host.facts.hostname}\\n\"\n}\n")
	r := clawrun(t, dir, nil, "apply", "pb.hcl", "-i", "inv.hcl", "-v")
	if r.Code != 0 {
		t.Fatalf("apply through a jump host: %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h3", tb.MustSSH(t, "h3", "cat /var/tmp/clawjump"), "via h3")
	if after := atoi(tb.MustSSH(t, "h3", count)); after != before+1 {
		t.Errorf("logins to h3 from the bastion h1: %d -> %d, want one more", before, after)
	}
}

// TestSecondInterruptAbortsAtOnce: a second SIGINT does not wait for the
// running task.
func TestSecondInterruptAbortsAtOnce(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "pkill -x sleep; true", "h1")
	dir := t.TempDir()
	writeFile(t, dir, "pb.hcl", "task \"command\" \"slow\" {\n  cmd = \"sleep 20\"\n}\n")
	cmd := exec.Command(bin, "apply", "pb.hcl", "-i", tb.Inventory, "--limit", "h1")
	cmd.Dir = dir
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the task to run", 60*time.Second, func() bool { return running(t, tb, "h1", "sleep 20") })
	cmd.Process.Signal(syscall.SIGINT)
	waitFor(t, "the first interrupt to be taken", 10*time.Second, func() bool { return strings.Contains(out.String(), "interrupted: finishing running tasks") })
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Errorf("exit %v, want 130\n%s", err, out.String())
	}
	// It did not wait for the task: that is still running on the host.
	if !running(t, tb, "h1", "sleep 20") {
		t.Errorf("the run ended only after the running task had finished")
	}
	_ = os.Remove(filepath.Join(dir, "pb.hcl"))
}
