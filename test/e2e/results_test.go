package e2e

import (
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestTaskResults: a file task writes ${task.command.detect.stdout}; plan
// says known after apply; apply writes the command's output; a rerun (the
// command skipped by unless, its stdout from the probe) changes nothing.
func TestTaskResults(t *testing.T) {
	tb := testbed.Get(t)
	for _, h := range tb.Hosts {
		tb.MustSSH(t, h, "rm -f /var/tmp/clawtest-detect /var/tmp/clawtest-kernel")
	}
	plan := clawrun(t, "testdata", nil, "plan", "results.hcl", "-i", tb.Inventory, "--limit", "h1", "--color", "never")
	if plan.Code != 0 || !strings.Contains(plan.Stdout, "~ (known after apply): reads task.command.detect") {
		t.Fatalf("plan: exit %d, want the file task known after apply\n%s%s", plan.Code, plan.Stdout, plan.Stderr)
	}
	// Not converge(): a task that reads a result is probed once that
	// result is known, one round trip more than converge allows.
	args := []string{"-i", tb.Inventory, "--format", "json"}
	r := clawrun(t, "testdata", nil, append([]string{"apply", "results.hcl"}, args...)...)
	if r.Code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	for h, rc := range recap(t, events(t, r.Stdout)) {
		if rc.Changed != 2 {
			t.Errorf("%s: first apply changed=%d, want 2 (the command and the file)", h, rc.Changed)
		}
	}
	again := clawrun(t, "testdata", nil, append([]string{"apply", "results.hcl"}, args...)...)
	for h, rc := range recap(t, events(t, again.Stdout)) {
		if again.Code != 0 || rc.Changed != 0 || rc.OK != 2 {
			t.Errorf("%s: rerun exit %d, ok=%d changed=%d, want 2 ok, no change\n%s", h, again.Code, rc.OK, rc.Changed, again.Stdout)
		}
	}
	if final := clawrun(t, "testdata", nil, "plan", "results.hcl", "-i", tb.Inventory, "--detailed-exitcode"); final.Code != 0 {
		t.Errorf("plan after apply: exit %d\n%s", final.Code, final.Stdout)
	}
	each(t, tb, func(h string) {
		kernel := strings.TrimSpace(tb.MustSSH(t, h, "uname -r"))
		expect(t, h, tb.MustSSH(t, h, "cat /var/tmp/clawtest-kernel"), "kernel "+kernel+" (exit 0)")
	})
}
