package e2e

import (
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestSixtyTasksTwoRoundTrips: a no-change run of a 60-task playbook makes
// one handshake and two round trips per host (facts, then every probe).
func TestSixtyTasksTwoRoundTrips(t *testing.T) {
	tb := testbed.Get(t)
	if r := clawrun(t, "testdata", nil, "apply", "sixty.hcl", "-i", tb.Inventory); r.Code != 0 {
		t.Fatalf("apply: %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	r := clawrun(t, "testdata", nil, "apply", "sixty.hcl", "-i", tb.Inventory, "--format", "json")
	evs := events(t, r.Stdout)
	tasks := 0
	for _, e := range evs {
		if e.Type == "task" && e.Host == "h1" {
			tasks++
		}
	}
	if tasks != 60 {
		t.Fatalf("%d tasks ran on h1, want 60", tasks)
	}
	for host, rc := range recap(t, evs) {
		if rc.Changed != 0 || rc.Stats == nil || rc.Stats.Handshakes != 1 || rc.Stats.RoundTrips > 3 {
			t.Errorf("%s: changed=%d stats=%+v, want 0 changes, 1 handshake, <= 3 round trips", host, rc.Changed, rc.Stats)
		}
	}
}
