package e2e

import (
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestVPSPlaybookPackagesInstalled: on a host whose apt packages are
// installed already (and their services set up by the maintainer
// scripts), no task is planned with a caveat, and the plan of every task,
// those after the apt task included, is exactly what apply does.
func TestVPSPlaybookPackagesInstalled(t *testing.T) {
	tb := testbed.Get(t)
	const h = "h1"
	tb.Reset(t, h)
	t.Cleanup(func() { tb.Reset(t, h) })
	vars := []string{"--var-file", "vps-test.hcl", "--var", "admin_cidr=" + tb.Subnet(), "--limit", h}
	r := clawrun(t, "testdata", nil, append([]string{"apply", "../../../playbooks/vps.hcl", "-i", tb.Inventory, "--tags", "packages"}, vars...)...)
	if r.Code != 0 {
		t.Fatalf("installing the packages: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	convergeOpts(t, tb, true, "../../../playbooks/vps.hcl", vars...)
}
