package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// converge checks the contract every module keeps on real hosts:
// plan on a fresh host lists exactly what apply then changes, a second
// apply changes nothing and makes no remote write (facts and one probe
// round trip only), and plan --detailed-exitcode then exits 0.
func converge(t *testing.T, tb *testbed.Testbed, playbook string, extra ...string) []event {
	t.Helper()
	return convergeOpts(t, tb, false, playbook, extra...)
}

// convergeOpts is converge; strict: no task may carry a caveat (a host
// whose packages are installed already), so plan and apply are compared
// for every task.
func convergeOpts(t *testing.T, tb *testbed.Testbed, strict bool, playbook string, extra ...string) []event {
	t.Helper()
	args := func(cmd string, more ...string) []string {
		a := append([]string{cmd, playbook, "-i", tb.Inventory, "--format", "json"}, extra...)
		return append(a, more...)
	}
	plan := clawrun(t, "testdata", nil, args("plan")...)
	if plan.Code != 0 {
		t.Fatalf("plan exit %d\n%s%s", plan.Code, plan.Stdout, plan.Stderr)
	}
	planned := outcomes(events(t, plan.Stdout))
	apply := clawrun(t, "testdata", nil, args("apply")...)
	applyEvents := events(t, apply.Stdout)
	if apply.Code != 0 {
		t.Fatalf("apply exit %d\n%s%s", apply.Code, apply.Stdout, apply.Stderr)
	}
	applied := outcomes(applyEvents)
	changed := 0
	certain := 0
	for k, want := range planned {
		if want == "caveat" && strict {
			t.Errorf("%s: planned with a caveat although no package changes", k)
		}
		if want == "caveat" {
			continue
		}
		certain++
		if got := applied[k]; got != want {
			t.Errorf("%s: plan said\n%s\nbut apply did\n%s", k, want, got)
		}
		if strings.HasPrefix(want, "changed") {
			changed++
		}
	}
	if len(applied) != len(planned) {
		t.Errorf("plan reported %d task results, apply %d", len(planned), len(applied))
	}
	if changed == 0 || certain == 0 {
		t.Errorf("plan on fresh hosts showed no certain change: the test proves nothing")
	}
	again := clawrun(t, "testdata", nil, args("apply")...)
	if again.Code != 0 {
		t.Fatalf("second apply exit %d\n%s%s", again.Code, again.Stdout, again.Stderr)
	}
	for host, r := range recap(t, events(t, again.Stdout)) {
		if r.Changed != 0 || r.Failed != 0 {
			t.Errorf("%s: second apply changed=%d failed=%d\n%s", host, r.Changed, r.Failed, again.Stdout)
		}
		if r.Stats == nil || r.Stats.RoundTrips > 2 || r.Stats.Handshakes != 1 {
			t.Errorf("%s: second apply made %+v round trips: a write happened or probes were not batched", host, r.Stats)
		}
	}
	final := clawrun(t, "testdata", nil, append(args("plan"), "--detailed-exitcode")...)
	if final.Code != 0 {
		t.Errorf("plan --detailed-exitcode after apply exited %d\n%s", final.Code, final.Stdout)
	}
	return applyEvents
}

// each runs check for every testbed host.
func each(t *testing.T, tb *testbed.Testbed, check func(host string)) {
	for _, h := range tb.Hosts {
		t.Run(h, func(t *testing.T) { check(h) })
	}
}

func expect(t *testing.T, host, got, want string) {
	t.Helper()
	if strings.TrimSpace(got) != strings.TrimSpace(want) {
		t.Errorf("%s: got\n%s\nwant\n%s", host, got, want)
	}
}

func TestFileModule(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "rm -rf /srv/clawtest /etc/ssh/sshd_config.d/10-clawtest.conf")
	tb.Reset(t, tb.Hosts...)
	converge(t, tb, "file.hcl")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "stat -c '%a %U %G %F' /srv/clawtest /srv/clawtest/app.conf"),
			"750 root root directory\n640 admin admin regular file")
		expect(t, h, tb.MustSSH(t, h, "cat /srv/clawtest/app.conf"), "listen = 127.0.0.1\nhost = "+h)
		expect(t, h, tb.MustSSH(t, h, "readlink /srv/clawtest/current"), "/srv/clawtest/app.conf")
		expect(t, h, tb.MustSSH(t, h, "test -e /etc/motd || echo gone"), "gone")
		expect(t, h, tb.MustSSH(t, h, "cat /srv/clawtest/source.txt"), "copied from the controller")
		expect(t, h, tb.MustSSH(t, h, "ls -A /srv/clawtest /etc/ssh/sshd_config.d | grep -c clawrun || true"), "0")
	})
}

func TestFileValidateRefusesBadContent(t *testing.T) {
	tb := testbed.Get(t)
	before := tb.MustSSH(t, "h1", "cat /etc/ssh/sshd_config.d/20-bad.conf 2>/dev/null; echo end")
	r := clawrun(t, "testdata", nil, "apply", "file-invalid.hcl", "-i", tb.Inventory, "--limit", "h1")
	if r.Code != 1 || !strings.Contains(r.Stdout, "validate failed") {
		t.Fatalf("apply of invalid sshd config: exit %d, want 1 with 'validate failed'\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	after := tb.MustSSH(t, "h1", "cat /etc/ssh/sshd_config.d/20-bad.conf 2>/dev/null; echo end; ls -A /etc/ssh/sshd_config.d | grep -c clawrun || true")
	if after != before+"0\n" {
		t.Errorf("target changed or temp file left behind:\nbefore %q\nafter  %q", before, after)
	}
}

func TestTemplateModule(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "rm -rf /etc/clawtest")
	converge(t, tb, "template.hcl")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "cat /etc/clawtest/gateway.conf"),
			fmt.Sprintf("# managed by clawrun for %s\nport = 18789\nbind = loopback\nallow = 127.0.0.1\nallow = ::1\nos = debian", h))
	})
}

func TestServiceModule(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "for u in clawtest-sleep clawtest-stopped clawtest-masked; do systemctl unmask -q $u; systemctl disable -q --now $u; done 2>/dev/null; rm -f /etc/systemd/system/clawtest-sleep.service /etc/systemd/system/clawtest-stopped.service; systemctl daemon-reload")
	converge(t, tb, "service.hcl")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "systemctl is-active clawtest-sleep; systemctl is-enabled clawtest-sleep; systemctl is-active clawtest-stopped || true; systemctl is-enabled clawtest-masked || true"),
			"active\nenabled\ninactive\nmasked")
	})
}

func TestCommandModule(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "rm -f /var/tmp/clawtest-created /var/tmp/clawtest-unless")
	converge(t, tb, "command.hcl")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "cat /var/tmp/clawtest-created; wc -l < /var/tmp/clawtest-unless"), "created\n1")
	})
}

func TestLineModule(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "test -e /var/tmp/clawtest-sshd_config.orig && mv -f /var/tmp/clawtest-sshd_config.orig /etc/ssh/sshd_config; rm -f /etc/clawtest-lines.conf")
	for _, h := range tb.Hosts {
		tb.MustSSH(t, h, "cp -a /etc/ssh/sshd_config /var/tmp/clawtest-sshd_config.orig")
	}
	converge(t, tb, "line.hcl")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "grep -c '^PermitRootLogin no$' /etc/ssh/sshd_config; grep -c '^#PermitRootLogin' /etc/ssh/sshd_config || true; cat /etc/clawtest-lines.conf"),
			"1\n0\nfirst\nsecond")
	})
}

func TestUserModule(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "userdel -r moltbot 2>/dev/null; true")
	converge(t, tb, "user.hcl")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "getent passwd moltbot | cut -d: -f6,7; id -nG moltbot; stat -c '%a %U' /home/moltbot/.ssh/authorized_keys; cat /home/moltbot/.ssh/authorized_keys"),
			"/home/moltbot:/bin/bash\nmoltbot sudo\n600 moltbot\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly0000000000000000000000 test@clawrun")
	})
}
