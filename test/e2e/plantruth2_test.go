package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// Issue 19 items 6-11: plan never lies on unusual hosts either. Each test
// puts a host in an ordinary but unusual state, then runs plan, apply,
// apply and plan --detailed-exitcode (converge) and checks the host.

// prepare runs a setup script on every host.
func prepare(t *testing.T, tb *testbed.Testbed, script string) {
	t.Helper()
	for _, h := range tb.Hosts {
		tb.MustSSH(t, h, script)
	}
}

// TestPlanTruthWrongType: a file with content whose path is a directory or
// a FIFO fails clearly in plan and in apply and changes nothing (item 9).
func TestPlanTruthWrongType(t *testing.T) {
	tb := testbed.Get(t)
	setup := "rm -rf /srv/pt9; mkdir -p /srv/pt9/dir; echo keep > /srv/pt9/dir/inside; mkfifo /srv/pt9/fifo"
	tb.MustSSH(t, "h1", setup)
	for path, want := range map[string]string{
		"/srv/pt9/dir":  "/srv/pt9/dir is a directory, not a regular file",
		"/srv/pt9/fifo": "/srv/pt9/fifo is a FIFO, socket or device, not a regular file",
	} {
		for _, cmd := range [][]string{
			{"plan", "plantruth/wrongtype.hcl", "--detailed-exitcode"},
			{"apply", "plantruth/wrongtype.hcl"},
		} {
			r := clawrun(t, "testdata", nil, append(cmd, "-i", tb.Inventory, "--limit", "h1", "--format", "json", "--var", "path="+path)...)
			if r.Code != 1 {
				t.Errorf("%s %s: exit %d, want 1\n%s%s", cmd[0], path, r.Code, r.Stdout, r.Stderr)
			}
			got := ""
			for _, e := range events(t, r.Stdout) {
				if e.Type == "task" && e.Status == "failed" {
					got = e.Error
				}
			}
			if !strings.Contains(got, want) {
				t.Errorf("%s %s: error %q, want %q", cmd[0], path, got, want)
			}
		}
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "cat /srv/pt9/dir/inside; stat -c %F /srv/pt9/fifo"), "keep\nfifo")
}

// TestPlanTruthFactsFromTraversals: a template named os.conf, in a
// folder without *.tmpl files, reads host.facts; the playbook never says
// the word. Facts must be gathered before it renders (item 10).
func TestPlanTruthFactsFromTraversals(t *testing.T) {
	tb := testbed.Get(t)
	prepare(t, tb, "rm -f /srv/pt10.conf")
	converge(t, tb, "plantruth/hostos.hcl")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "cat /srv/pt10.conf"), "os=debian 12")
	})
}

// TestPlanTruthSettles: tasks that changed again on every run because the
// host keeps its own canonical form (item 6).
func TestPlanTruthSettles(t *testing.T) {
	tb := testbed.Get(t)
	prepare(t, tb, `set -e
rm -rf /srv/pt6 /srv/pt6b; mkdir /srv/pt6 /srv/pt6b; chmod 2775 /srv/pt6
ufw --force reset >/dev/null; ufw logging medium >/dev/null
printf '[Unit]\nDescription=pt6\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n' > /etc/systemd/system/pt6.service
systemctl daemon-reload; systemctl enable --runtime pt6 2>/dev/null
systemctl is-enabled pt6`)
	converge(t, tb, "plantruth/settle.hcl")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, `stat -c %a /srv/pt6; cat '/srv/pt6b/back\slash.conf'; grep -c '^### tuple ### allow tcp 80,443 0.0.0.0/0 ' /etc/ufw/user.rules; grep LOGLEVEL /etc/ufw/ufw.conf; tr -d ' \n' < /srv/pt6b/app.json; echo; systemctl is-enabled pt6 || true`),
			"755\nescaped by sha256sum\n1\nLOGLEVEL=medium\n{\"big\":100000000000000000000,\"limit\":1000000000000000}\ndisabled")
	})
}

// TestPlanTruthEarlierTasks: plans see what earlier tasks of the same run
// do (item 8).
func TestPlanTruthEarlierTasks(t *testing.T) {
	tb := testbed.Get(t)
	prepare(t, tb, `userdel -r ptbob 2>/dev/null; rm -rf /srv/pt8 /srv/pt8s; crontab -r 2>/dev/null; ufw --force reset >/dev/null
rm -rf /srv/pt8g; mkdir /srv/pt8g; chgrp staff /srv/pt8g; chmod 2755 /srv/pt8g
mkdir -p /srv/pt8s; echo secret > /srv/pt8s/secret; chmod 0600 /srv/pt8s/secret; chown nobody /srv/pt8s/secret; ln -s secret /srv/pt8s/conf; true`)
	converge(t, tb, "plantruth/earlier.hcl")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, `tail -1 /home/ptbob/.bashrc; stat -c '%a %U' /srv/pt8; test -e /srv/pt8/ran || echo not run; crontab -l | grep -c '^0 [12] '; stat -c '%a %U %F' /srv/pt8s/conf /srv/pt8s/secret; grep -c '^### tuple ### allow tcp 8443 0.0.0.0/0 ' /etc/ufw/user.rules; stat -c '%a %G' /srv/pt8g/new /srv/pt8g/sub`),
			"umask 027\n750 ptbob\nnot run\n2\n644 root regular file\n600 nobody regular file\n1\n640 staff\n2755 staff")
	})
}

// TestPlanTruthDelegatedOnce: a delegated task on three hosts writes one
// controller file; plan says only the first host creates it (item 8).
func TestPlanTruthDelegatedOnce(t *testing.T) {
	tb := testbed.Get(t)
	out := filepath.Join(t.TempDir(), "record.txt")
	converge(t, tb, "plantruth/delegated.hcl", "--var", "out="+out)
	b, err := os.ReadFile(out)
	if err != nil || string(b) != "recorded once\n" {
		t.Errorf("controller file: %q %v", b, err)
	}
}

const unitFile = `[Service]
ExecStart=/bin/sleep infinity
%s
[Install]
WantedBy=multi-user.target
`

// TestPlanTruthServiceReload: daemon-reloads apply does are planned
// (item 7), each case alone (one reload would hide the others), and the
// unit runs the new configuration afterwards.
func TestPlanTruthServiceReload(t *testing.T) {
	tb := testbed.Get(t)
	unit := func(env string) string {
		return "printf '" + strings.ReplaceAll(unitFile, "\n", `\n`) + "' '" + env + "'"
	}
	for _, c := range []struct{ name, unit, env string }{
		{"dropin", "ptdrop", "PT=edited"},
		{"linked", "ptlinked", "PT=linked"},
		{"first", "ptfirst", "PT=first"},
	} {
		t.Run(c.name, func(t *testing.T) {
			prepare(t, tb, `set -e
systemctl stop ptdrop ptlinked ptfirst 2>/dev/null || true
rm -rf /etc/systemd/system/ptdrop.service* /etc/systemd/system/ptfirst.service* /etc/systemd/system/ptlinked.service /opt/pt
mkdir -p /etc/systemd/system/ptdrop.service.d /opt/pt
`+unit("")+` > /etc/systemd/system/ptdrop.service
`+unit("")+` > /etc/systemd/system/ptfirst.service
`+unit("Environment=PT=old")+` > /opt/pt/ptlinked.service
printf '[Service]\nEnvironment=PT=old\n' > /etc/systemd/system/ptdrop.service.d/override.conf
systemctl link /opt/pt/ptlinked.service >/dev/null 2>&1
systemctl daemon-reload
systemctl start ptdrop ptlinked ptfirst`)
			evs := converge(t, tb, "plantruth/reload-"+c.name+".hcl")
			reloads := 0
			for _, e := range evs {
				for _, ch := range e.Changes {
					if strings.Contains(ch.Text, "daemon-reload") {
						reloads++
					}
				}
			}
			if reloads == 0 && c.name != "first" {
				t.Errorf("apply did no daemon-reload: the test proves nothing")
			}
			each(t, tb, func(h string) {
				expect(t, h, tb.MustSSH(t, h, "systemctl show -p Environment --value "+c.unit+"; systemctl show -p NeedDaemonReload --value "+c.unit),
					c.env+"\nno")
			})
		})
	}
}

// TestPlanTruthServiceOutput: a unit without [Install] is not "enabled";
// link over a file, line and jq-edit mode changes show in the plan
// (item 11).
func TestPlanTruthServiceOutput(t *testing.T) {
	tb := testbed.Get(t)
	prepare(t, tb, `systemctl stop ptnoinst 2>/dev/null; rm -f /etc/systemd/system/ptnoinst.service; systemctl daemon-reload
rm -rf /srv/pt11; mkdir -p /srv/pt11; echo old release > /srv/pt11/current; echo 'umask 027' > /srv/pt11/profile; echo '{"a":1}' > /srv/pt11/app.json`)
	evs := converge(t, tb, "plantruth/units.hcl")
	want := map[string]string{
		"service.noinstall":   "~ start ptnoinst.service",
		"file.link-over-file": "-old release",
		"line.line-mode":      "(mode 0644 -> 0600)",
		"jq-edit.json-mode":   "(mode 0644 -> 0600)",
	}
	for _, e := range evs {
		if w, ok := want[e.Task]; ok && e.Host == "h1" {
			var b strings.Builder
			for _, c := range e.Changes {
				b.WriteString(c.Sign + " " + c.Text + "\n")
			}
			b.WriteString(e.Diff)
			if !strings.Contains(b.String(), w) || strings.Contains(b.String(), "enable") {
				t.Errorf("%s printed\n%s\nwant %q (and no enable)", e.Task, b.String(), w)
			}
		}
	}
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "systemctl is-active ptnoinst; readlink /srv/pt11/current; stat -c %a /srv/pt11/profile /srv/pt11/app.json"),
			"active\n/srv/pt11/v2\n600\n600")
	})
}

// TestPlanTruthReloaded: reloaded starts a stopped unit and plan says so;
// a unit without ExecReload fails in plan as in apply (item 11).
func TestPlanTruthReloaded(t *testing.T) {
	tb := testbed.Get(t)
	tb.MustSSH(t, "h1", `systemctl stop ptreload ptnoreload 2>/dev/null
printf '[Service]\nExecStart=/bin/sleep infinity\nExecReload=/bin/true\n' > /etc/systemd/system/ptreload.service
printf '[Service]\nExecStart=/bin/sleep infinity\n' > /etc/systemd/system/ptnoreload.service
systemctl daemon-reload; systemctl start ptnoreload`)
	run := func(cmd, unit string) (result, map[string]string) {
		r := clawrun(t, "testdata", nil, cmd, "plantruth/reloaded.hcl", "-i", tb.Inventory, "--limit", "h1", "--format", "json", "--var", "unit="+unit)
		return r, outcomes(events(t, r.Stdout))
	}
	_, plan := run("plan", "ptreload")
	_, apply := run("apply", "ptreload")
	if k := "h1 service.reloaded"; plan[k] != apply[k] || !strings.Contains(plan[k], "start ptreload.service (stopped: reloaded starts it)") {
		t.Errorf("stopped unit: plan said\n%s\napply did\n%s", plan[k], apply[k])
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "systemctl is-active ptreload"), "active")
	for _, cmd := range []string{"plan", "apply"} {
		r, _ := run(cmd, "ptnoreload")
		if r.Code != 1 || !strings.Contains(r.Stdout, "ptnoreload.service cannot reload (its unit has no ExecReload=)") {
			t.Errorf("%s of reloaded without ExecReload: exit %d\n%s%s", cmd, r.Code, r.Stdout, r.Stderr)
		}
	}
}

// TestPlanTruthFailingStart: a Type=simple unit whose ExecStart fails is
// reported failed, not started (item 11).
func TestPlanTruthFailingStart(t *testing.T) {
	tb := testbed.Get(t)
	tb.MustSSH(t, "h1", `printf '[Service]\nExecStart=/nonexistent/pt\n' > /etc/systemd/system/ptfail.service; systemctl daemon-reload; systemctl reset-failed ptfail 2>/dev/null; true`)
	r := clawrun(t, "testdata", nil, "apply", "plantruth/failing.hcl", "-i", tb.Inventory, "--limit", "h1", "--format", "json")
	if r.Code != 1 || !strings.Contains(r.Stdout, "ptfail.service") || !strings.Contains(r.Stdout, "failed right after it started") {
		t.Errorf("apply of a failing simple unit: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}

// TestPlanTruthCronTwice: two tasks with one cron entry fail the second
// task in plan and apply alike, instead of changing on every run (item 8).
func TestPlanTruthCronTwice(t *testing.T) {
	tb := testbed.Get(t)
	tb.MustSSH(t, "h1", "crontab -r 2>/dev/null; true")
	for _, cmd := range []string{"plan", "apply"} {
		r := clawrun(t, "testdata", nil, cmd, "plantruth/cron-twice.hcl", "-i", tb.Inventory, "--limit", "h1", "--format", "json")
		o := outcomes(events(t, r.Stdout))
		if r.Code != 1 || !strings.HasPrefix(o["h1 cron.one"], "changed") || o["h1 cron.two"] != "failed" ||
			!strings.Contains(r.Stdout, `cron \"pt8 same\" in crontab of root is also managed by cron.one`) {
			t.Errorf("%s: exit %d\n%s%s", cmd, r.Code, r.Stdout, r.Stderr)
		}
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "crontab -l | grep -c 'true one'"), "1")
}
