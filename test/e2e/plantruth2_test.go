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
rm -rf /srv/pt6; mkdir /srv/pt6; chmod 2775 /srv/pt6
ufw --force reset >/dev/null; ufw logging medium >/dev/null
printf '[Unit]\nDescription=pt6\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n' > /etc/systemd/system/pt6.service
systemctl daemon-reload; systemctl enable --runtime pt6 2>/dev/null
systemctl is-enabled pt6`)
	converge(t, tb, "plantruth/settle.hcl")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, `stat -c %a /srv/pt6; cat '/srv/pt6/back\slash.conf'; grep -c '^### tuple ### allow tcp 80,443 0.0.0.0/0 ' /etc/ufw/user.rules; grep LOGLEVEL /etc/ufw/ufw.conf; tr -d ' \n' < /srv/pt6/app.json; echo; systemctl is-enabled pt6 || true`),
			"755\nescaped by sha256sum\n1\nLOGLEVEL=medium\n{\"big\":100000000000000000000,\"limit\":1000000000000000}\ndisabled")
	})
}

// TestPlanTruthEarlierTasks: plans see what earlier tasks of the same run
// do (item 8).
func TestPlanTruthEarlierTasks(t *testing.T) {
	tb := testbed.Get(t)
	prepare(t, tb, `userdel -r ptbob 2>/dev/null; rm -rf /srv/pt8 /srv/pt8s; crontab -r 2>/dev/null; ufw --force reset >/dev/null
mkdir -p /srv/pt8s; echo secret > /srv/pt8s/secret; chmod 0600 /srv/pt8s/secret; chown nobody /srv/pt8s/secret; ln -s secret /srv/pt8s/conf; true`)
	converge(t, tb, "plantruth/earlier.hcl")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, `tail -1 /home/ptbob/.bashrc; stat -c '%a %U' /srv/pt8; test -e /srv/pt8/ran || echo not run; crontab -l | grep -c '^0 [12] '; stat -c '%a %U %F' /srv/pt8s/conf /srv/pt8s/secret; grep -c '^### tuple ### allow tcp 8443 0.0.0.0/0 ' /etc/ufw/user.rules`),
			"umask 027\n750 ptbob\nnot run\n2\n644 root regular file\n600 nobody regular file\n1")
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
