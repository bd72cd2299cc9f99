package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestIncludeTakesInventoryVars: playbooks/parts/firewall.hcl included on
// its own, with vars that do not set admin_cidr, takes admin_cidr from the
// inventory's defaults vars, as vps.hcl would: plan and apply allow SSH
// from that network only (not "limit from any"), and validate -i does not
// call the var unused.
func TestIncludeTakesInventoryVars(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "ufw --force reset >/dev/null; rm -f /etc/ufw/*.rules.*", "h1")
	tb.MustSSH(t, "h1", "ufw --force reset >/dev/null; rm -f /etc/ufw/*.rules.*")
	inv, err := os.ReadFile(tb.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	withVars := strings.Replace(string(inv), "defaults {", "defaults {\n  vars = { admin_cidr = \""+tb.Subnet()+"\" }", 1)
	writeFile(t, dir, "inv.hcl", withVars)
	part, _ := filepath.Abs("../../playbooks/parts/firewall.hcl")
	writeFile(t, dir, "pb.hcl", "include \"firewall\" {\n  source = \""+part+"\"\n  vars   = { install = false }\n}\n")
	r := clawrun(t, dir, nil, "validate", "pb.hcl", "-i", "inv.hcl")
	if r.Code != 0 || strings.Contains(r.Stderr, "Unused inventory var") {
		t.Errorf("validate: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	r = clawrun(t, dir, nil, "plan", "pb.hcl", "-i", "inv.hcl", "--limit", "h1", "--color", "never")
	if r.Code != 0 || !strings.Contains(r.Stdout, "+ rule allow in tcp from "+tb.Subnet()+" to any port 22") || strings.Contains(r.Stdout, "from any to any port 22") {
		t.Fatalf("plan: exit %d, want SSH allowed from %s only\n%s%s", r.Code, tb.Subnet(), r.Stdout, r.Stderr)
	}
	r = clawrun(t, dir, nil, "apply", "pb.hcl", "-i", "inv.hcl", "--limit", "h1", "--color", "never")
	if r.Code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	st := tb.MustSSH(t, "h1", "ufw status | sed 's/ *$//'")
	if !strings.Contains(st, "22/tcp") || !strings.Contains(st, tb.Subnet()) || strings.Contains(st, "LIMIT") {
		t.Errorf("ufw status: want 22/tcp allowed from %s only:\n%s", tb.Subnet(), st)
	}
}
