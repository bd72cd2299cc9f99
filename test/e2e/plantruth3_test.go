package e2e

import (
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// Issue 19, second review: plan never lies about systemd units and file
// ownership. Each test runs plan, apply, apply and plan
// --detailed-exitcode (converge) and checks the host.

const cw3Setup = `set -e
systemctl stop 'cw3@foo' 2>/dev/null || true
rm -rf /etc/systemd/system/cw3@.service /etc/systemd/system/cw3@.service.d
printf '[Service]\nExecStart=/bin/sleep infinity\n' > /etc/systemd/system/cw3@.service
systemctl daemon-reload
systemctl start 'cw3@foo'
`

// TestPlanTruth3TemplateDropIn: a drop-in of a template unit is loaded by
// a daemon-reload before the instance restarts (item 1), whether it is
// the first one or an edit of one systemd has loaded.
func TestPlanTruth3TemplateDropIn(t *testing.T) {
	tb := testbed.Get(t)
	prepare(t, tb, cw3Setup)
	converge(t, tb, "plantruth3/template-dropin.hcl")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "systemctl show -p Environment --value cw3@foo; systemctl show -p NeedDaemonReload --value cw3@foo"), "BAZ=7\nno")
	})
	converge(t, tb, "plantruth3/template-edit.hcl")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "systemctl show -p NeedDaemonReload --value cw3@foo"), "no")
	})
}

// TestPlanTruth3MaskEtcUnit: masking a unit whose file is in
// /etc/systemd/system fails in plan and in apply alike, with the next step,
// and changes nothing; removing the file first masks it (item 2).
func TestPlanTruth3MaskEtcUnit(t *testing.T) {
	tb := testbed.Get(t)
	setup := `set -e
systemctl unmask cw1 >/dev/null 2>&1 || true
rm -f /etc/systemd/system/cw1.service
printf '[Service]\nExecStart=/bin/sleep infinity\n' > /etc/systemd/system/cw1.service
systemctl daemon-reload`
	tb.MustSSH(t, "h1", setup)
	for _, cmd := range []string{"plan", "apply"} {
		r := clawrun(t, "testdata", nil, cmd, "plantruth3/mask-etc.hcl", "-i", tb.Inventory, "--limit", "h1", "--format", "json")
		got := ""
		for _, e := range events(t, r.Stdout) {
			if e.Type == "task" && e.Status == "failed" {
				got = e.Error
			}
		}
		if r.Code != 1 || !strings.Contains(got, "cannot mask cw1.service: /etc/systemd/system/cw1.service is a unit file of its own") || !strings.Contains(got, "move the unit file out of /etc/systemd/system") {
			t.Errorf("%s: exit %d, error %q\n%s%s", cmd, r.Code, got, r.Stdout, r.Stderr)
		}
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "systemctl is-enabled cw1 || true; test -L /etc/systemd/system/cw1.service || echo file"), "static\nfile")
	// Moved to /usr/local/lib/systemd/system as the error says, it masks.
	prepare(t, tb, `set -e
rm -f /etc/systemd/system/cw1.service; mkdir -p /usr/local/lib/systemd/system
printf '[Service]\nExecStart=/bin/sleep infinity\n' > /usr/local/lib/systemd/system/cw1.service
systemctl daemon-reload`)
	converge(t, tb, "plantruth3/mask-etc.hcl")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "systemctl is-enabled cw1 || true; readlink /etc/systemd/system/cw1.service"), "masked\n/dev/null")
	})
}

// TestPlanTruth3InstallEntries: a unit whose [Install] has only comments is
// static (enable does nothing, plan says start only); a unit without
// [Install] whose drop-in adds WantedBy= is enabled, and plan says so
// (item 3).
func TestPlanTruth3InstallEntries(t *testing.T) {
	tb := testbed.Get(t)
	prepare(t, tb, `systemctl disable --now cw4 cw5 >/dev/null 2>&1; rm -rf /etc/systemd/system/cw4.service /etc/systemd/system/cw5.service /etc/systemd/system/cw5.service.d; systemctl daemon-reload`)
	evs := converge(t, tb, "plantruth3/install.hcl")
	want := map[string]string{"service.commented": "~ start cw4.service", "service.dropin": "~ enable cw5.service"}
	for _, e := range evs {
		if w, ok := want[e.Task]; ok && e.Host == "h1" {
			var b strings.Builder
			for _, c := range e.Changes {
				b.WriteString(c.Sign + " " + c.Text + "\n")
			}
			if !strings.Contains(b.String(), w) || (e.Task == "service.commented" && strings.Contains(b.String(), "enable")) {
				t.Errorf("%s printed\n%s\nwant %q", e.Task, b.String(), w)
			}
		}
	}
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "systemctl is-enabled cw4 cw5; systemctl is-active cw4 cw5"), "static\nenabled\nactive\nactive")
	})
}

// TestPlanTruth3ReloadCleared: an earlier drop-in clears ExecReload=, so
// reloaded fails in plan as it does in apply, with the same error; the
// next run (drop-in on disk, loaded or not) fails alike (item 4).
func TestPlanTruth3ReloadCleared(t *testing.T) {
	tb := testbed.Get(t)
	tb.MustSSH(t, "h1", `set -e
systemctl stop cw6 2>/dev/null || true
rm -rf /etc/systemd/system/cw6.service /etc/systemd/system/cw6.service.d
printf '[Service]\nExecStart=/bin/sleep infinity\nExecReload=/bin/true\n' > /etc/systemd/system/cw6.service
systemctl daemon-reload; systemctl start cw6`)
	for _, cmd := range []string{"plan", "apply", "plan", "apply"} {
		r := clawrun(t, "testdata", nil, cmd, "plantruth3/reload-cleared.hcl", "-i", tb.Inventory, "--limit", "h1", "--format", "json")
		got := ""
		for _, e := range events(t, r.Stdout) {
			if e.Type == "task" && e.Task == "service.cw6" {
				got = e.Status + ": " + e.Error
			}
		}
		if r.Code != 1 || !strings.HasPrefix(got, "failed: cw6.service cannot reload (its unit has no ExecReload=)") {
			t.Errorf("%s: exit %d, service.cw6 %q\n%s%s", cmd, r.Code, got, r.Stdout, r.Stderr)
		}
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "systemctl is-active cw6"), "active")
}

// TestPlanTruth3NumericOwner: owner = "1000", group = "100" settle (the
// plan compared them with names and changed them on every run), for ids
// with and without names (item 5).
func TestPlanTruth3NumericOwner(t *testing.T) {
	tb := testbed.Get(t)
	prepare(t, tb, "rm -rf /srv/cw7; getent passwd 1000 >/dev/null || useradd -u 1000 -m cwadmin")
	converge(t, tb, "plantruth3/numeric-owner.hcl")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "stat -c '%u %g' /srv/cw7/named.conf /srv/cw7/bare.conf; stat -c %u /srv/cw7/sub"), "1000 100\n4321 4321\n4321")
	})
}
