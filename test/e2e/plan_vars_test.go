package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestSavedPlanKeepsInventoryVars: apply PLANFILE takes non-sensitive
// variables from the plan only. A var file or CLAWRUN_VAR_* giving the
// default ("any") would otherwise outrank the inventory's per-host value
// and open what the plan showed closed.
func TestSavedPlanKeepsInventoryVars(t *testing.T) {
	tb := testbed.Get(t)
	dir := t.TempDir()
	cidr := tb.Subnet()
	writeFile(t, dir, "inv.hcl", fmt.Sprintf(`defaults {
  user          = "admin"
  identity_file = %q
  known_hosts   = %q
  become        = true
  vars          = { admin_cidr = %q }
}
host "h1" {
  address = %q
}
`, tb.Key, tb.KnownHosts, cidr, tb.Address("h1")))
	writeFile(t, dir, "pb.hcl", `variable "admin_cidr" {
  type    = string
  default = "any"
}
task "file" "cidr" {
  path    = "/var/tmp/claw-plan-cidr"
  content = "${var.admin_cidr}\n"
}
`)
	writeFile(t, dir, "f.hcl", `admin_cidr = "any"`+"\n")
	tb.MustSSH(t, "h1", "rm -f /var/tmp/claw-plan-cidr")
	t.Cleanup(func() { tb.SSH(t, "h1", "rm -f /var/tmp/claw-plan-cidr") })
	for i, extra := range []struct {
		env  []string
		args []string
	}{
		{nil, []string{"--var-file", "f.hcl"}},
		{[]string{"CLAWRUN_VAR_admin_cidr=any"}, nil},
	} {
		tb.MustSSH(t, "h1", "rm -f /var/tmp/claw-plan-cidr")
		plan := fmt.Sprintf("p%d.json", i)
		if r := clawrun(t, dir, nil, "plan", "pb.hcl", "-i", "inv.hcl", "--out", plan); r.Code != 0 {
			t.Fatalf("plan: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
		}
		r := clawrun(t, dir, extra.env, append([]string{"apply", plan}, extra.args...)...)
		if r.Code != 0 || !strings.Contains(r.Stderr, "Variable ignored") {
			t.Fatalf("apply %s %v %v: exit %d, want 0 and a warning\n%s%s", plan, extra.env, extra.args, r.Code, r.Stdout, r.Stderr)
		}
		expect(t, "h1", tb.MustSSH(t, "h1", "cat /var/tmp/claw-plan-cidr"), cidr)
	}
}
