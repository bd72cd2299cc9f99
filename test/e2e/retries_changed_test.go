package e2e

import (
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestRetryChangedHostNotifies: on a real host, a command whose first
// attempt creates its `creates` file and then fails counts as changed and
// notifies its handler, though the second attempt has nothing to do; the
// failed attempt is one line of the default output.
func TestRetryChangedHostNotifies(t *testing.T) {
	tb := testbed.Get(t)
	const a, handled = "/var/tmp/clawtest-retry-a", "/var/tmp/clawtest-retry-handled"
	cleanupHosts(t, tb, "rm -f "+a+" "+handled, "h1")
	tb.MustSSH(t, "h1", "rm -f "+a+" "+handled)
	dir := t.TempDir()
	writeFile(t, dir, "pb.hcl", `task "command" "flaky" {
  cmd     = "touch `+a+`; exit 1"
  creates = "`+a+`"
  retries = 1
  delay   = 0
  notify  = [handler.mark]
}
handler "command" "mark" {
  cmd = "touch `+handled+`"
}
`)
	r := clawrun(t, dir, nil, "apply", "pb.hcl", "-i", tb.Inventory, "--limit", "h1", "--color", "never")
	if r.Code != 0 || !strings.Contains(r.Stdout, "↻ command.flaky: attempt 1 of 2 failed") || !strings.Contains(r.Stdout, "ok=0 changed=2 failed=0") {
		t.Errorf("apply: exit %d, want changed=2 (task and handler) and the failed attempt shown\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if out := tb.MustSSH(t, "h1", "test -e "+handled+" && echo ran || echo absent"); strings.TrimSpace(out) != "ran" {
		t.Errorf("the handler did not run though the host changed: %s", out)
	}
}
