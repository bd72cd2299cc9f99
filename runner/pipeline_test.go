package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The engine's intricate parts on the fake host (fakehost_test.go), which
// counts the scripts it is sent: probing windows, the probes that ride
// along with a change, saved plans replayed over them, handler order.

// windowBook's tasks all change on a fresh host.
const windowBook = `
task "file" "a" {
  path    = "${var.root}/a"
  content = "a\n"
}

task "file" "b" {
  path    = "${var.root}/b"
  content = "b\n"
}

task "file" "c" {
  path    = "${var.root}/c"
  content = "c\n"
}
`

// TestProbingWindows: a change's steps carry the probes of the tasks after
// it up to the next one expected to change, and no further; an unchanged
// task in the window is planned from the probe that rode along.
func TestProbingWindows(t *testing.T) {
	cases := []struct {
		name    string
		before  map[string]string // files present before the run
		scripts int               // round trips of the apply
		carries map[int][]string  // script index -> task paths it probes
		misses  map[int][]string  // script index -> task paths it must not probe
	}{
		{
			name:    "every task changes: one task per window",
			scripts: 4, // probes, a+probe b, b+probe c, c
			carries: map[int][]string{1: {"/b"}, 2: {"/c"}},
			misses:  map[int][]string{1: {"/c"}},
		},
		{
			name:    "an unchanged task widens the window to the next change",
			before:  map[string]string{"b": "b\n"},
			scripts: 3, // probes, a+probes b and c, c
			carries: map[int][]string{1: {"/b", "/c"}},
		},
		{
			name:    "nothing changes: one round trip",
			before:  map[string]string{"a": "a\n", "b": "b\n", "c": "c\n"},
			scripts: 1,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeHost(t)
			w := newWorld(t, windowBook, fakeInventory)
			for name, content := range c.before {
				put(t, w, name, content)
			}
			res := w.apply(runOpts{connect: f.connect})
			if res.code != 0 {
				t.Fatalf("apply: exit %d\n%s", res.code, res.text)
			}
			scripts := f.scripts()
			if len(scripts) != c.scripts {
				t.Fatalf("%d scripts, want %d", len(scripts), c.scripts)
			}
			for i, paths := range c.carries {
				for _, p := range paths {
					if !strings.Contains(scripts[i], w.root+p) {
						t.Errorf("script %d does not probe %s", i, p)
					}
				}
			}
			for i, paths := range c.misses {
				for _, p := range paths {
					if strings.Contains(scripts[i], w.root+p) {
						t.Errorf("script %d probes %s beyond the window", i, p)
					}
				}
			}
			for _, name := range []string{"a", "b", "c"} {
				if got := w.read(name); got != name+"\n" {
					t.Errorf("%s = %q", name, got)
				}
			}
		})
	}
}

// TestFollowedProbeSeesTheChange: the task after a change is planned from
// the probe taken after the change's steps (it sees the file the change
// wrote), without a round trip of its own for probing.
func TestFollowedProbeSeesTheChange(t *testing.T) {
	f := newFakeHost(t)
	w := newWorld(t, `
task "file" "conf" {
  path    = "${var.root}/conf"
  content = "one\n"
}

task "line" "two" {
  path = "${var.root}/conf"
  line = "two"
}
`, fakeInventory)
	res := w.apply(runOpts{connect: f.connect})
	if res.code != 0 {
		t.Fatalf("apply: exit %d\n%s", res.code, res.text)
	}
	if got := w.read("conf"); got != "one\ntwo\n" {
		t.Errorf("conf = %q, want the line added to what the first task wrote", got)
	}
	if n := len(f.scripts()); n != 3 {
		t.Errorf("%d scripts, want 3 (probes, file + line's probe, line)", n)
	}
}

// TestSavedPlanOverFollowedProbes: apply PLANFILE compares only the probes
// taken before anything changed with the plan; a task planned on an
// earlier task's predicted write applies as planned from the probe that
// rode along with that write.
func TestSavedPlanOverFollowedProbes(t *testing.T) {
	f := newFakeHost(t)
	w := newWorld(t, `
task "file" "conf" {
  path    = "${var.root}/conf"
  content = "one\n"
}

task "line" "two" {
  path = "${var.root}/conf"
  line = "two"
}
`, fakeInventory)
	plan := w.planOut(runOpts{connect: f.connect})
	res := w.run(runOpts{apply: true, replay: plan, connect: f.connect})
	if res.code != 0 {
		t.Fatalf("apply PLANFILE: exit %d\n%s", res.code, res.text)
	}
	if got := w.read("conf"); got != "one\ntwo\n" {
		t.Errorf("conf = %q", got)
	}
	// A second plan, then the host drifts before apply: refused, unchanged.
	put(t, w, "conf", "one\n")
	plan = w.planOut(runOpts{connect: f.connect})
	put(t, w, "conf", "changed by hand\n")
	res = w.run(runOpts{apply: true, replay: plan, connect: f.connect})
	if res.code == 0 || !strings.Contains(res.all(), "drifted since the plan") {
		t.Errorf("a drifted host was applied: exit %d\n%s", res.code, res.all())
	}
	if got := w.read("conf"); got != "changed by hand\n" {
		t.Errorf("a refused plan changed the host: %q", got)
	}
}

// TestHandlerOrder: handlers run once each, in declaration order, not in
// the order tasks notified them; their probes ride along with the last
// change, and each handler's steps carry the next one's probe.
func TestHandlerOrder(t *testing.T) {
	f := newFakeHost(t)
	w := newWorld(t, `
task "file" "x" {
  path    = "${var.root}/x"
  content = "x\n"
  notify  = [handler.second]
}

task "file" "y" {
  path    = "${var.root}/y"
  content = "y\n"
  notify  = [handler.first, handler.second]
}

handler "command" "first" {
  cmd = "echo first >> ${var.root}/log"
}

handler "command" "second" {
  cmd = "echo second >> ${var.root}/log"
}

handler "command" "never" {
  cmd = "echo never >> ${var.root}/log"
}
`, fakeInventory)
	res := w.apply(runOpts{connect: f.connect})
	if res.code != 0 {
		t.Fatalf("apply: exit %d\n%s", res.code, res.text)
	}
	if got := w.read("log"); got != "first\nsecond\n" {
		t.Errorf("handlers ran %q, want first then second, once each", got)
	}
	var order []string
	for _, e := range res.events {
		if e.Type == "handler" {
			order = append(order, e.Task+"="+e.Status)
		}
	}
	if strings.Join(order, " ") != "handler.first=changed handler.second=changed" {
		t.Errorf("handler events %v", order)
	}
	// probes, x + y's probe, y + the handlers' probes, first + second's
	// probe, second.
	if n := len(f.scripts()); n != 5 {
		t.Errorf("%d scripts, want 5", n)
	}
	if _, err := os.Stat(filepath.Join(w.root, "never")); err == nil {
		t.Error("a handler nobody notified ran")
	}
}

// put writes a file of the hosts' tree.
func put(t *testing.T, w *world, rel, content string) {
	t.Helper()
	if err := os.WriteFile(w.path(rel), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
