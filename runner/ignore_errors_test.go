package runner

import (
	"regexp"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/runner/event"
)

// TestIgnoreErrors: a run whose only failures were ignored exits 0, as
// Ansible's does; the recap counts them as ignored (text, json, markdown),
// and the host goes on with its next tasks.
func TestIgnoreErrors(t *testing.T) {
	w := newWorld(t, `
task "command" "boom" {
  cmd           = "echo boom >&2; exit 3"
  ignore_errors = true
}

task "line" "missing" {
  path          = "${var.root}/no-such-file"
  line          = "x"
  ignore_errors = true
}

task "file" "after" {
  path    = "${var.root}/after"
  content = "still here\n"
}
`, localInventory("h1"))
	res := w.apply(runOpts{})
	if res.code != 0 {
		t.Errorf("exit %d, want 0: only ignored failures\n%s", res.code, res.text)
	}
	rc := res.recap["h1"]
	if rc.Ignored != 2 || rc.Failed != 0 || rc.Changed != 1 {
		t.Errorf("recap %+v, want ignored=2 failed=0 changed=1", rc)
	}
	if e := res.task("h1", "command.boom"); e == nil || e.Status != event.StatusFailed || !e.Ignored || !strings.Contains(e.Error, "boom") {
		t.Errorf("command.boom event %+v, want failed, ignored, with its stderr", e)
	}
	if w.read("after") != "still here\n" {
		t.Error("the task after the ignored failures did not run")
	}
	if !regexp.MustCompile(`h1  ok=0 changed=1 failed=0 skipped=0 unreachable=0 ignored=2`).MatchString(res.text) {
		t.Errorf("text recap does not count ignored:\n%s", res.text)
	}
	if !strings.Contains(res.text, "FAILED (ignored)") {
		t.Errorf("text does not mark the failure ignored:\n%s", res.text)
	}
	if got := res.jsonRecap(t)["h1"]["ignored"]; got != 2.0 {
		t.Errorf("json recap ignored=%v, want 2", got)
	}
	if !strings.Contains(res.md, "| failed | ignored |") || !strings.Contains(res.md, "| h1 | 1 | 0 | 0 | 0 | 0 | 2 |") {
		t.Errorf("markdown table does not count ignored:\n%s", res.md)
	}
	for _, e := range res.events {
		if e.Type == "host_done" && e.Status != event.StatusChanged {
			t.Errorf("host_done %s, want changed", e.Status)
		}
	}
}

// TestFailedTaskStopsHost: without ignore_errors a failure stops that host
// (later tasks do not run, notified handlers do not run) and the run exits
// 1; another host goes on.
func TestFailedTaskStopsHost(t *testing.T) {
	w := newWorld(t, `
task "file" "first" {
  path    = "${var.root}/first-${host.name}"
  content = "1\n"
  notify  = [handler.mark]
}

task "command" "boom" {
  cmd  = "echo boom >&2; exit 3"
  when = host.name == "bad"
}

task "file" "after" {
  path    = "${var.root}/after-${host.name}"
  content = "2\n"
}

handler "command" "mark" {
  cmd = "touch ${var.root}/handler-${host.name}"
}
`, localInventory("bad", "good"))
	res := w.apply(runOpts{})
	if res.code != 1 {
		t.Errorf("exit %d, want 1", res.code)
	}
	if rc := res.recap["bad"]; rc.Failed != 1 || rc.Ignored != 0 {
		t.Errorf("bad recap %+v", rc)
	}
	if w.exists("after-bad") || w.exists("handler-bad") {
		t.Error("a failed host went on with later tasks or ran its handler")
	}
	if !w.exists("after-good") || !w.exists("handler-good") {
		t.Error("the other host did not finish")
	}
	if e := res.task("bad", "command.boom"); e == nil || e.Ignored || !strings.Contains(e.Error, "exit status 3: boom") {
		t.Errorf("boom event %+v", e)
	}
	if !strings.Contains(res.text, "x FAILED command.boom") {
		t.Errorf("text:\n%s", res.text)
	}
}
