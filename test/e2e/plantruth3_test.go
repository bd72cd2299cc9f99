package e2e

import (
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
