package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/clawrun/clawrun/test/testbed"
)

// repoURL is the testbed's package repository as the hosts reach it: the
// bridge address, port 8765.
func repoURL(tb *testbed.Testbed) string {
	return "http://" + tb.Gateway() + ":8765/"
}

// TestWaitModule: open port, closed port (state stopped) and HTTP checks
// succeed on real hosts; a second run changes nothing.
func TestWaitModule(t *testing.T) {
	tb := testbed.Get(t)
	for _, cmd := range []string{"plan", "apply", "apply"} {
		r := clawrun(t, "testdata", nil, cmd, "wait.hcl", "-i", tb.Inventory, "--limit", "h1", "--format", "json", "--var", "repo_url="+repoURL(tb))
		if r.Code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", cmd, r.Code, r.Stdout, r.Stderr)
		}
		evs := events(t, r.Stdout)
		n := 0
		for _, e := range evs {
			if e.Type == "task" {
				n++
				if e.Status != "ok" {
					t.Errorf("%s: %s is %s (%s), want ok", cmd, e.Task, e.Status, e.Error)
				}
			}
		}
		if n != 4 {
			t.Errorf("%s: %d task events, want 4", cmd, n)
		}
		if rc := recap(t, evs)["h1"]; rc.Changed != 0 {
			t.Errorf("%s: changed=%d: a wait never changes anything", cmd, rc.Changed)
		}
	}
}

// TestWaitTimesOut: a port nothing listens on fails the host after the
// timeout, with a message that says what was awaited, and later tasks do
// not run. plan does not wait.
func TestWaitTimesOut(t *testing.T) {
	tb := testbed.Get(t)
	t0 := time.Now()
	r := clawrun(t, "testdata", nil, "plan", "wait-closed.hcl", "-i", tb.Inventory, "--limit", "h1", "-v")
	if r.Code != 0 || time.Since(t0) > 10*time.Second {
		t.Fatalf("plan: exit %d after %s, want 0 at once\n%s%s", r.Code, time.Since(t0), r.Stdout, r.Stderr)
	}
	t0 = time.Now()
	r = clawrun(t, "testdata", nil, "apply", "wait-closed.hcl", "-i", tb.Inventory, "--limit", "h1")
	took := time.Since(t0)
	if r.Code != 1 || !strings.Contains(r.Stdout, "wait.port1_open: timed out after 3 s waiting for 127.0.0.1:1 to accept connections") {
		t.Fatalf("apply: exit %d, want 1 with the timeout message\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if took < 3*time.Second || took > 15*time.Second {
		t.Errorf("apply took %s; the wait's timeout is 3 s", took)
	}
	if out := tb.MustSSH(t, "h1", "test -e /var/tmp/clawtest-after-wait && echo written || echo absent"); strings.TrimSpace(out) != "absent" {
		t.Errorf("the task after a failed wait ran: %s", out)
	}
}
