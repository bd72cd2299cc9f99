package runner

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/runner/event"
)

// Handlers, forced handlers, serial batches, max_fail_percentage and tags,
// end to end on local hosts.

const handlerBook = `
task "file" "a" {
  path    = "${var.root}/a-${host.name}"
  content = "a\n"
  notify  = [handler.mark]
}

task "file" "b" {
  path    = "${var.root}/b-${host.name}"
  content = "b\n"
  notify  = [handler.mark]
}

task "command" "boom" {
  cmd  = "exit 4"
  when = host.name == "bad"
}

handler "command" "mark" {
  cmd = "echo run >> ${var.root}/mark-${host.name}"
}

handler "command" "unnotified" {
  cmd = "touch ${var.root}/unnotified-${host.name}"
}
`

// TestHandlers: a handler notified by two tasks runs once, at the end;
// one nobody notified does not run; a failed host runs none; plan says
// "may run" and runs nothing; a rerun with nothing changed runs none.
func TestHandlers(t *testing.T) {
	w := newWorld(t, handlerBook, localInventory("good", "bad"))
	plan := w.plan(runOpts{})
	if e := plan.task("good", "handler.mark"); e == nil || len(e.Changes) != 1 || e.Changes[0].Text != "may run" {
		t.Errorf("plan handler event %+v", e)
	}
	if w.exists("mark-good") || w.exists("a-good") {
		t.Fatal("plan changed the host")
	}
	res := w.apply(runOpts{})
	if got := w.read("mark-good"); got != "run\n" {
		t.Errorf("handler ran %q, want once", got)
	}
	if w.exists("unnotified-good") {
		t.Error("a handler nobody notified ran")
	}
	if w.exists("mark-bad") {
		t.Error("a failed host ran its handler")
	}
	if rc := res.recap["good"]; rc.Changed != 3 {
		t.Errorf("good recap %+v, want 2 tasks + 1 handler changed", rc)
	}
	w.apply(runOpts{limit: "good"})
	if got := w.read("mark-good"); got != "run\n" {
		t.Errorf("a rerun with nothing changed ran the handler: %q", got)
	}
}

// TestForceHandlers: --force-handlers, or force_handlers in the playbook,
// runs the handlers a failed host had notified.
func TestForceHandlers(t *testing.T) {
	t.Run("flag", func(t *testing.T) {
		w := newWorld(t, handlerBook, localInventory("bad"))
		res := w.apply(runOpts{forceHandlers: true})
		if res.code != 1 {
			t.Errorf("exit %d, want 1: the host still failed", res.code)
		}
		if got := w.read("mark-bad"); got != "run\n" {
			t.Errorf("forced handler ran %q", got)
		}
		if w.exists("unnotified-bad") {
			t.Error("forcing ran a handler nobody notified")
		}
	})
	t.Run("playbook", func(t *testing.T) {
		w := newWorld(t, "force_handlers = true\n"+handlerBook, localInventory("bad"))
		w.apply(runOpts{})
		if !w.exists("mark-bad") {
			t.Error("force_handlers = true did not run the handler")
		}
	})
}

// TestSerialMaxFail: serial batches stop once more than
// max_fail_percentage of the hosts so far failed; exactly that percentage
// goes on.
func TestSerialMaxFail(t *testing.T) {
	book := func(serial, pct int) string {
		return "serial = " + itoa(serial) + "\nmax_fail_percentage = " + itoa(pct) + "\n" + `
task "command" "boom" {
  cmd  = "exit 1"
  when = contains(["bad1", "bad2"], host.name)
}

task "file" "done" {
  path    = "${var.root}/done-${host.name}"
  content = "x\n"
}
`
	}
	cases := []struct {
		name        string
		serial, pct int
		hosts       []string
		ran         []string
		notRan      []string
	}{
		{"first batch fails, 0%", 1, 0, []string{"bad1", "h2", "h3"}, nil, []string{"h2", "h3"}},
		{"exactly the percentage goes on", 2, 50, []string{"bad1", "h2", "h3", "h4"}, []string{"h2", "h3", "h4"}, nil},
		{"above the percentage stops", 2, 49, []string{"bad1", "h2", "h3", "h4"}, []string{"h2"}, []string{"h3", "h4"}},
		{"all at once ignores the percentage", 0, 0, []string{"bad1", "h2", "h3"}, []string{"h2", "h3"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, book(c.serial, c.pct), localInventory(c.hosts...))
			res := w.apply(runOpts{})
			if res.code != 1 {
				t.Errorf("exit %d, want 1", res.code)
			}
			for _, h := range c.ran {
				if !w.exists("done-" + h) {
					t.Errorf("%s did not run", h)
				}
			}
			for _, h := range c.notRan {
				if w.exists("done-" + h) {
					t.Errorf("%s ran after the failure limit", h)
				}
				if rc := res.recap[h]; rc == nil || rc.OK+rc.Changed+rc.Failed != 0 {
					t.Errorf("%s recap %+v, want all zero", h, rc)
				}
			}
		})
	}
}

// TestSerialOrder: with serial = 1 a host starts only after the previous
// one finished.
func TestSerialOrder(t *testing.T) {
	w := newWorld(t, `
serial = 1

task "command" "log" {
  cmd = "echo start ${host.name} >> ${var.root}/log; sleep 0.05; echo end ${host.name} >> ${var.root}/log"
}
`, localInventory("h1", "h2", "h3"))
	w.apply(runOpts{})
	want := "start h1\nend h1\nstart h2\nend h2\nstart h3\nend h3\n"
	if got := w.read("log"); got != want {
		t.Errorf("order:\n%s", got)
	}
}

// TestTags: --tags runs only tagged tasks, --skip-tags skips them;
// handlers are not filtered; a saved plan keeps its tags.
func TestTags(t *testing.T) {
	book := `
task "file" "ssh" {
  path    = "${var.root}/ssh"
  content = "x\n"
  tags    = ["ssh"]
  notify  = [handler.mark]
}

task "file" "web" {
  path    = "${var.root}/web"
  content = "x\n"
  tags    = ["web", "all-web"]
}

task "file" "untagged" {
  path    = "${var.root}/untagged"
  content = "x\n"
}

handler "command" "mark" {
  cmd  = "touch ${var.root}/handler"
  tags = ["never-selected"]
}
`
	cases := []struct {
		name       string
		tags, skip []string
		want       []string
	}{
		{"tags", []string{"ssh"}, nil, []string{"ssh", "handler"}},
		{"two tags", []string{"ssh", "all-web"}, nil, []string{"ssh", "web", "handler"}},
		{"skip", nil, []string{"ssh"}, []string{"web", "untagged"}},
		{"tags and skip", []string{"ssh", "web"}, []string{"web"}, []string{"ssh", "handler"}},
		{"none", nil, nil, []string{"ssh", "web", "untagged", "handler"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, book, localInventory("h1"))
			w.apply(runOpts{tags: c.tags, skip: c.skip})
			for _, f := range []string{"ssh", "web", "untagged", "handler"} {
				want := false
				for _, x := range c.want {
					want = want || x == f
				}
				if w.exists(f) != want {
					t.Errorf("%s: exists %v, want %v", f, w.exists(f), want)
				}
			}
		})
	}
	t.Run("saved plan keeps tags", func(t *testing.T) {
		w := newWorld(t, book, localInventory("h1"))
		pf := w.planOut(runOpts{tags: []string{"web"}})
		res := w.applyPlan(pf)
		if res.code != 0 || !w.exists("web") || w.exists("ssh") || w.exists("untagged") {
			t.Errorf("exit %d: the plan's tags were not applied", res.code)
		}
	})
}

// TestWhenAndForEach: skipped tasks are counted, for_each instances are
// named by key, and a plan predicts from earlier tasks' writes.
func TestWhenAndForEach(t *testing.T) {
	w := newWorld(t, `
task "file" "dir" {
  path  = "${var.root}/d"
  state = "directory"
}

task "file" "each" {
  for_each = toset(["x", "y"])
  path     = "${var.root}/d/${each.key}"
  content  = "${each.value}\n"
}

task "file" "empty" {
  path = "${var.root}/d/t"
}

task "line" "after" {
  path = "${var.root}/d/t"
  line = "second"
}

task "file" "never" {
  path    = "${var.root}/never"
  content = "x\n"
  when    = false
}
`, localInventory("h1"))
	plan := w.plan(runOpts{})
	if e := plan.task("h1", `file.each["y"]`); e == nil || e.Status != event.StatusChanged {
		t.Errorf("for_each instance: %+v", e)
	}
	if e := plan.task("h1", "line.after"); e == nil || e.Status != event.StatusChanged || !strings.Contains(e.Diff, "+second") {
		t.Errorf("line after a file the plan writes: %+v", e)
	}
	res := w.apply(runOpts{})
	if rc := res.recap["h1"]; rc.Skipped != 1 || rc.Changed != 5 {
		t.Errorf("recap %+v", rc)
	}
	if got := w.read("d/x") + w.read("d/t"); got != "x\nsecond\n" {
		t.Errorf("d/x + d/t %q", got)
	}
	if _, err := os.Stat(w.path("never")); err == nil {
		t.Error("when = false ran")
	}
	again := w.plan(runOpts{})
	if again.code != 0 {
		t.Errorf("second plan exit %d, want 0\n%s", again.code, again.text)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
