package e2e

import (
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestInclude: one part included twice with its own vars; names carry the
// include's name; the included handler, notified by two tasks, runs once
// per include; a rerun changes nothing (converge).
func TestInclude(t *testing.T) {
	tb := testbed.Get(t)
	for _, h := range tb.Hosts {
		tb.MustSSH(t, h, "rm -rf /srv/clawtest-include")
	}
	evs := converge(t, tb, "include.hcl")
	names := map[string]bool{}
	for _, e := range evs {
		names[e.Task] = true
	}
	for _, n := range []string{"blue.file.conf", "green.template.index", "blue.handler.reload", "green.handler.reload"} {
		if !names[n] {
			t.Errorf("no event for %s (events name included tasks after their include)", n)
		}
	}
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "cat /srv/clawtest-include/blue/site.conf /srv/clawtest-include/green/site.conf /srv/clawtest-include/green/index.html"),
			"name = blue\nport = 8001\nname = green\nport = 8000\n<h1>green on "+h+"</h1>")
		// Two tasks notified it; it ran once per include, and not again on
		// the rerun.
		expect(t, h, tb.MustSSH(t, h, "cat /srv/clawtest-include/blue/reloads.log; cat /srv/clawtest-include/green/reloads.log"), "reloaded\nreloaded")
	})
	if out := tb.MustSSH(t, "h1", "ls /srv/clawtest-include"); strings.TrimSpace(out) != "blue\ngreen" {
		t.Errorf("unexpected files: %s", out)
	}
}
