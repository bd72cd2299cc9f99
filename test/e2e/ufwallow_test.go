package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestUFWGuardUnderDefaultAllow: with incoming traffic allowed by default,
// a deny rule that matches the controller's connection locks it out just
// the same; the guard refuses it in plan and apply, and nothing changes.
func TestUFWGuardUnderDefaultAllow(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "ufw --force reset >/dev/null; rm -f /etc/ufw/*.rules.*", "h2")
	tb.MustSSH(t, "h2", "ufw --force reset >/dev/null; rm -f /etc/ufw/*.rules.*")
	dir := t.TempDir()
	writeFile(t, dir, "pb.hcl", fmt.Sprintf(`task "ufw" "fw" {
  state            = "enabled"
  default_incoming = "allow"
  rule {
    action = "deny"
    from   = %q
  }
}
`, tb.Subnet()))
	for _, mode := range []string{"plan", "apply"} {
		r := clawrun(t, dir, nil, mode, "pb.hcl", "-i", tb.Inventory, "--limit", "h2")
		if r.Code != 1 || !strings.Contains(r.Stdout, "lock-out guard") {
			t.Fatalf("%s: exit %d, want 1 with the guard's refusal\n%s%s", mode, r.Code, r.Stdout, r.Stderr)
		}
	}
	expect(t, "h2", tb.MustSSH(t, "h2", "ufw status"), "Status: inactive")
}
