package e2e

import (
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestSixtyTasksTwoRoundTrips: a no-change run of a 60-task playbook makes
// one handshake and two round trips per host (facts, then every probe).
func TestSixtyTasksTwoRoundTrips(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "rm -rf /var/tmp/clawsixty /etc/cron.d/clawsixty")
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

// TestOneShellPerHost: every round trip of a run goes to one shell per
// host, and scripts that exit, fail to parse, close stdout or end without
// a newline leave it working.
func TestOneShellPerHost(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "rm -f /var/tmp/clawtest-shell", "h1")
	tb.MustSSH(t, "h1", "rm -f /var/tmp/clawtest-shell")
	r := clawrun(t, "testdata", nil, "apply", "shell.hcl", "-i", tb.Inventory, "--limit", "h1", "--format", "json")
	evs := events(t, r.Stdout)
	got := map[string]event{}
	for _, e := range evs {
		if e.Type == "task" {
			got[e.Task] = e
		}
	}
	for task, want := range map[string]struct{ status, err string }{
		"command.exit":         {status: "failed", err: "exit status 3: boom"},
		"command.syntax_error": {status: "failed", err: "Syntax error"},
		"command.close_stdout": {status: "failed"},
		"command.no_newline":   {status: "changed"},
		"file.after":           {status: "changed"},
	} {
		e := got[task]
		if e.Status != want.status || !strings.Contains(e.Error, want.err) {
			t.Errorf("%s: status %q error %q, want %q with %q", task, e.Status, e.Error, want.status, want.err)
		}
	}
	rc := recap(t, evs)["h1"]
	// Two sessions: the login user's shell (facts; this directory's
	// templates mention them) and root's, whatever failed in between.
	if rc.Stats == nil || rc.Stats.Handshakes != 1 || rc.Stats.Sessions != 2 {
		t.Errorf("stats %+v, want 1 handshake and 2 sessions", rc.Stats)
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "cat /var/tmp/clawtest-shell"), "still here")
}
