package e2e

import (
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestRetries: a command that fails twice succeeds on attempt 3 with
// retries = 3; each failed attempt is a retry event; a rerun changes
// nothing.
func TestRetries(t *testing.T) {
	tb := testbed.Get(t)
	tb.MustSSH(t, "h1", "rm -f /var/tmp/clawtest-retries /var/tmp/clawtest-retries-done")
	r := clawrun(t, "testdata", nil, "apply", "retries.hcl", "-i", tb.Inventory, "--limit", "h1", "--format", "json")
	if r.Code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	var retries []string
	final := ""
	for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		switch {
		case strings.Contains(line, `"type":"retry"`):
			retries = append(retries, line)
		case strings.Contains(line, `"type":"task"`) && strings.Contains(line, `"task":"command.flaky"`):
			final = line
		}
	}
	if len(retries) != 2 || !strings.Contains(retries[0], `"attempt":1`) || !strings.Contains(retries[1], `"attempt":2`) ||
		!strings.Contains(retries[1], "attempt 2 fails") {
		t.Errorf("want two retry events (attempts 1 and 2, with the command's error), got:\n%s", strings.Join(retries, "\n"))
	}
	if !strings.Contains(final, `"status":"changed"`) || !strings.Contains(final, `"attempt":3`) {
		t.Errorf("final task event: %s", final)
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "cat /var/tmp/clawtest-retries"), "3")
	again := clawrun(t, "testdata", nil, "apply", "retries.hcl", "-i", tb.Inventory, "--limit", "h1", "--format", "json")
	if rc := recap(t, events(t, again.Stdout))["h1"]; again.Code != 0 || rc.Changed != 0 {
		t.Errorf("rerun: exit %d changed=%d\n%s", again.Code, rc.Changed, again.Stdout)
	}
}
