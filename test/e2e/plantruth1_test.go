package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/test/testbed"
)

// Issue 19, items 1-5 (and issue 18's ufw guard): on hosts in unusual but
// ordinary states, the plan must say what apply does.

// planLines returns the change lines of one task's events, as "sign text".
func planLines(evs []event, host, task string) string {
	var b strings.Builder
	for _, e := range evs {
		if e.Host == host && e.Task == task {
			for _, c := range e.Changes {
				b.WriteString(c.Sign + " " + strings.TrimPrefix(c.Text, "would ") + "\n")
			}
		}
	}
	return b.String()
}

func ufwTuples(t *testing.T, tb *testbed.Testbed, host string) string {
	t.Helper()
	return tb.MustSSH(t, host, "grep -h '^### tuple' /etc/ufw/user.rules /etc/ufw/user6.rules | cut -c15-")
}

func resetUFW(t *testing.T, tb *testbed.Testbed, host, setup string) {
	t.Helper()
	tb.MustSSH(t, host, "ufw --force reset >/dev/null; rm -f /etc/ufw/*.rules.*; "+setup)
	t.Cleanup(func() { tb.SSH(t, host, "ufw --force reset >/dev/null; rm -f /etc/ufw/*.rules.*") })
}

// Item 1: `ufw deny 22/tcp` on a host that allows 22/tcp turns that allow
// into a deny in place. The plan used to model an append after the allow,
// the guard passed, and apply locked the host out.
func TestPlanTruthUFWInPlaceLockout(t *testing.T) {
	tb := testbed.Get(t)
	resetUFW(t, tb, "h1", "ufw allow 22/tcp >/dev/null && ufw --force enable >/dev/null")
	before := ufwTuples(t, tb, "h1")
	for _, cmd := range []string{"plan", "apply"} {
		r := clawrun(t, "testdata", nil, cmd, "pt-ufw-inplace.hcl", "-i", tb.Inventory, "--limit", "h1",
			"--var", "lockout=true", "--var", "admin_net="+tb.Subnet())
		if r.Code != 1 || !strings.Contains(r.Stdout, `lock-out guard: rule "deny in tcp from any to any port 22" would block this SSH connection`) {
			t.Errorf("%s: exit %d, want 1 with the guard naming the deny rule\n%s%s", cmd, r.Code, r.Stdout, r.Stderr)
		}
	}
	tb.WaitSSH(t, "h1", 5*time.Second)
	expect(t, "h1", ufwTuples(t, tb, "h1"), before)
}

// Item 1, no lock-out: action and comment changes happen in place and the
// plan shows them as such; the order on the host is the one planned.
func TestPlanTruthUFWInPlace(t *testing.T) {
	tb := testbed.Get(t)
	resetUFW(t, tb, "h1", "ufw allow from "+tb.Subnet()+" to any port 22 proto tcp comment 'old' >/dev/null && "+
		"ufw allow 8080/tcp >/dev/null && ufw allow 80/tcp >/dev/null && ufw --force enable >/dev/null")
	plan := clawrun(t, "testdata", nil, "plan", "pt-ufw-inplace.hcl", "-i", tb.Inventory, "--limit", "h1",
		"--format", "json", "--var", "admin_net="+tb.Subnet())
	got := planLines(events(t, plan.Stdout), "h1", "ufw.inplace")
	want := "~ rule allow in tcp from " + tb.Subnet() + " to any port 22 # old → allow in tcp from " + tb.Subnet() + " to any port 22 # ssh admin\n" +
		"~ rule allow → deny in tcp from any to any port 8080\n~ rule allow → deny in tcp from any to any port 8080 (v6)\n" +
		"+ rule allow in tcp from any to any port 2222\n+ rule allow in tcp from any to any port 2222 (v6)\n"
	if got != want {
		t.Errorf("plan:\n%s\nwant\n%s", got, want)
	}
	converge(t, tb, "pt-ufw-inplace.hcl", "--limit", "h1", "--var", "admin_net="+tb.Subnet())
	expect(t, "h1", ufwTuples(t, tb, "h1"), "allow tcp 22 0.0.0.0/0 any "+tb.Subnet()+" in comment=7373682061646d696e\n"+
		"deny tcp 8080 0.0.0.0/0 any 0.0.0.0/0 in\nallow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in\nallow tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in\n"+
		"deny tcp 8080 ::/0 any ::/0 in\nallow tcp 80 ::/0 any ::/0 in\nallow tcp 2222 ::/0 any ::/0 in")
}

// Item 2: SSH allowed by the OpenSSH application profile. The guard must
// see that it admits SSH (it refused), and exclusive must delete it by
// its profile (every apply failed: "Wrong number of arguments").
func TestPlanTruthUFWAppProfile(t *testing.T) {
	tb := testbed.Get(t)
	resetUFW(t, tb, "h1", "ufw allow OpenSSH >/dev/null")
	converge(t, tb, "pt-ufw-app.hcl", "--limit", "h1", "--var", "admin_net="+tb.Subnet())
	expect(t, "h1", ufwTuples(t, tb, "h1"), "allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in\nallow tcp 443 0.0.0.0/0 any 0.0.0.0/0 in\n"+
		"allow tcp 22 ::/0 any ::/0 OpenSSH - in\nallow tcp 443 ::/0 any ::/0 in")
	expect(t, "h1", tb.MustSSH(t, "h1", "ufw status | head -1"), "Status: active")

	evs := converge(t, tb, "pt-ufw-app.hcl", "--limit", "h1", "--var", "exclusive=true", "--var", "admin_net="+tb.Subnet())
	if got := planLines(evs, "h1", "ufw.app"); !strings.Contains(got, "- rule allow in tcp from any to any app OpenSSH\n") {
		t.Errorf("apply does not show the profile rule's deletion:\n%s", got)
	}
	expect(t, "h1", ufwTuples(t, tb, "h1"), "allow tcp 22 0.0.0.0/0 any "+tb.Subnet()+" in\nallow tcp 443 0.0.0.0/0 any 0.0.0.0/0 in\n"+
		"allow tcp 443 ::/0 any ::/0 in")
}

// Issue 18: a host that does not report SSH_CONNECTION (here a
// ForceCommand wrapper drops it) must not switch the guard off.
func TestPlanTruthUFWGuardWithoutSSHConnection(t *testing.T) {
	tb := testbed.Get(t)
	resetUFW(t, tb, "h2", "")
	tb.MustSSH(t, "h2", `printf 'Match User admin\n  ForceCommand env -u SSH_CONNECTION /bin/sh -c "$SSH_ORIGINAL_COMMAND"\n' > /etc/ssh/sshd_config.d/pt-noconn.conf && systemctl reload ssh`)
	t.Cleanup(func() { tb.SSH(t, "h2", "rm -f /etc/ssh/sshd_config.d/pt-noconn.conf && systemctl reload ssh") })
	tb.WaitSSH(t, "h2", 10*time.Second)
	r := clawrun(t, "testdata", nil, "apply", "pt-ufw-app.hcl", "-i", tb.Inventory, "--limit", "h2",
		"--var", "exclusive=true", "--var", "admin_net="+tb.Subnet())
	if r.Code != 1 || !strings.Contains(r.Stdout, "did not report this SSH connection's source") {
		t.Errorf("exit %d, want 1 with the guard's refusal\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h2", tb.MustSSH(t, "h2", "ufw status"), "Status: inactive")
}

// Item 3: absent on "link/" (a symlink to a directory) deleted the files
// behind the link, kept the link, and did it again every run.
func TestPlanTruthFileTrailingSlash(t *testing.T) {
	tb := testbed.Get(t)
	tb.MustSSH(t, "h1", "rm -rf /srv/pt3 && mkdir -p /srv/pt3/target && echo a > /srv/pt3/target/a && echo b > /srv/pt3/target/b && ln -s target /srv/pt3/link")
	t.Cleanup(func() { tb.SSH(t, "h1", "rm -rf /srv/pt3") })
	r := clawrun(t, "testdata", nil, "apply", "pt-file-slash.hcl", "-i", tb.Inventory, "--limit", "h1", "--var", "path=/srv/pt3/link/")
	if r.Code != 1 || !strings.Contains(r.Stderr, "Path must be in clean form") || !strings.Contains(r.Stderr, `Write "/srv/pt3/link"`) {
		t.Errorf("link/: exit %d, want 1 with a validate error\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "readlink /srv/pt3/link; cat /srv/pt3/target/a /srv/pt3/target/b"), "target\na\nb")
	// The clean path removes the link itself, never what it points to.
	converge(t, tb, "pt-file-slash.hcl", "--limit", "h1")
	expect(t, "h1", tb.MustSSH(t, "h1", "test -L /srv/pt3/link || echo no-link; cat /srv/pt3/target/a /srv/pt3/target/b"), "no-link\na\nb")
}

// Item 4: jq-edit wrote 1e400 back as +Inf (invalid JSON on the next run)
// and Latin-1 bytes as U+FFFD, with neither in the diff.
func TestPlanTruthJQUntouchedValues(t *testing.T) {
	tb := testbed.Get(t)
	tb.MustSSH(t, "h1", `mkdir -p /etc/clawtest && printf '{"big": 1e400, "price": 1.50, "exp": 1E20, "name": "a"}\n' > /etc/clawtest/pt4.json && printf '{"name": "caf\351"}\n' > /etc/clawtest/pt4-latin1.json`)
	t.Cleanup(func() { tb.SSH(t, "h1", "rm -f /etc/clawtest/pt4.json /etc/clawtest/pt4-latin1.json") })
	plan := clawrun(t, "testdata", nil, "plan", "pt-jq-untouched.hcl", "-i", tb.Inventory, "--limit", "h1", "--format", "json")
	var diff string
	for _, e := range events(t, plan.Stdout) {
		if e.Task == "jq-edit.name" {
			diff = e.Diff
		}
	}
	expect(t, "h1", diff, `~ .name: "a" → "b"`)
	converge(t, tb, "pt-jq-untouched.hcl", "--limit", "h1")
	expect(t, "h1", tb.MustSSH(t, "h1", "cat /etc/clawtest/pt4.json"), "{\n  \"big\": 1e400,\n  \"price\": 1.50,\n  \"exp\": 1E20,\n  \"name\": \"b\"\n}")
	// Not UTF-8: refused in plan and apply, the file keeps its bytes.
	sum := tb.MustSSH(t, "h1", "sha256sum /etc/clawtest/pt4-latin1.json")
	for _, cmd := range []string{"plan", "apply"} {
		r := clawrun(t, "testdata", nil, cmd, "pt-jq-untouched.hcl", "-i", tb.Inventory, "--limit", "h1", "--var", "file=/etc/clawtest/pt4-latin1.json")
		if r.Code != 1 || !strings.Contains(r.Stdout, "not UTF-8 (byte 0xe9 at offset 13") {
			t.Errorf("%s latin1: exit %d, want 1 naming the byte\n%s%s", cmd, r.Code, r.Stdout, r.Stderr)
		}
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "sha256sum /etc/clawtest/pt4-latin1.json"), sum)
}

// Item 5: MAILTO= unquoted made Debian's cron ignore the whole cron.d file
// while clawrun reported it converged. The written file must pass the
// host's crontab syntax check and the job must really run with the values.
func TestPlanTruthCronEnv(t *testing.T) {
	tb := testbed.Get(t)
	tb.MustSSH(t, "h1", "rm -f /etc/cron.d/pt5 /var/tmp/pt5.out")
	t.Cleanup(func() { tb.SSH(t, "h1", "rm -f /etc/cron.d/pt5 /var/tmp/pt5.out") })
	converge(t, tb, "pt-cron-env.hcl", "--limit", "h1")
	expect(t, "h1", tb.MustSSH(t, "h1", "cat /etc/cron.d/pt5; crontab -n /etc/cron.d/pt5"),
		"# clawrun: pt5 env\nGREETING=\" hello world\"\nMAILTO=\"\"\n* * * * * root printf '[\\%s][\\%s]\\n' \"$MAILTO\" \"$GREETING\" > /var/tmp/pt5.out\n"+
			"The syntax of the crontab file was successfully checked.")
	// cron reads /etc/cron.d at the next minute and runs the job then.
	deadline := time.Now().Add(130 * time.Second)
	for {
		out, _ := tb.SSH(t, "h1", "cat /var/tmp/pt5.out 2>/dev/null")
		if out != "" {
			expect(t, "h1", out, "[][ hello world]")
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cron never ran the job: it ignored the file\n%s", tb.MustSSH(t, "h1", "journalctl -q -u cron --no-pager | tail -5"))
		}
		time.Sleep(2 * time.Second)
	}
	// A job for a user the host does not have: cron would drop the whole
	// file; the write is refused and the old file stays.
	before := tb.MustSSH(t, "h1", "cat /etc/cron.d/pt5")
	r := clawrun(t, "testdata", nil, "apply", "pt-cron-env.hcl", "-i", tb.Inventory, "--limit", "h1", "--var", "user=nosuchuser")
	if r.Code != 1 || !strings.Contains(r.Stdout, `user "nosuchuser" does not exist`) {
		t.Errorf("unknown user: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "cat /etc/cron.d/pt5"), before)
}

// Item 5: every schedule validate accepts, the host's cron accepts too
// (crontab -n is Debian's syntax check); "5/10" among those refused.
func TestPlanTruthCronScheduleGrammar(t *testing.T) {
	tb := testbed.Get(t)
	schedules := []string{"5/10 * * * *", "*/0 * * * *", "*/5 * * * *", "1-5/20 * * * *", "0 0 * JAN-mar/2 *", "0 0 * * 7",
		"0 0 * * sun-7", "0 0 0 * *", "0 0 * * Sunday", "0 24 * * *", "00005 * * * *", "*x * * * *", "* * * * mon/2",
		"1,,2 * * * *", "*/5x * * * *", "@Daily", "@daily", "@reboot", "0-59/0 * * * *", "-5 * * * *", "* * * 0 *", "jan * * * *",
		"*/2/3 * * * *", "* */1 * * *", "*/60 * * * *", "0\t0 * * * *", "59 23 31 12 6", "0 0 1,15 * mon-fri"}
	var script strings.Builder
	for i, s := range schedules {
		script.WriteString(fmt.Sprintf("printf '%%s root true\\n' %s > /tmp/pt5s; if crontab -n /tmp/pt5s >/dev/null 2>&1; then echo s%d=ok; else echo s%d=bad; fi\n", shellQuote(s), i, i))
	}
	out := tb.MustSSH(t, "h1", script.String()+"rm -f /tmp/pt5s")
	for i, s := range schedules {
		host := strings.Contains("\n"+out, fmt.Sprintf("\ns%d=ok\n", i))
		err := modules.ParseSchedule(s)
		if err == nil && !host {
			t.Errorf("%q: validate accepts it, the host's cron rejects it", s)
		}
		if s == "5/10 * * * *" && err == nil {
			t.Errorf("5/10 accepted")
		}
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
