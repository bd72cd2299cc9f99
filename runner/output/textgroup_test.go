package output

import (
	"bytes"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/runner/event"
)

// TestTextPlanGroupsHosts: in plan, identical changes of several hosts are
// printed once under "N hosts: ...", the package caveat once per host, and
// the progress line names the task each running host is on.
func TestTextPlanGroupsHosts(t *testing.T) {
	var out, prog bytes.Buffer
	r := &TextRenderer{W: &out, Diffs: true, Progress: &prog}
	ch := func(host, task, text, caveat string) *event.Event {
		return &event.Event{Type: "task", Host: host, Task: task, Status: event.StatusChanged, Caveat: caveat,
			Changes: []modules.Line{{Sign: "~", Text: text}}}
	}
	r.Event(&event.Event{Type: "run_start", Mode: "plan", Hosts: []string{"h1", "h2", "h3"}})
	r.TaskStarted("h2", "file.motd")
	if !strings.Contains(prog.String(), "(h2: file.motd)") {
		t.Errorf("progress line does not name the task: %q", prog.String())
	}
	for _, e := range []*event.Event{
		ch("h1", "file.motd", "file /etc/motd", ""),
		ch("h2", "file.motd", "file /etc/motd", ""),
		ch("h3", "file.motd", "file /etc/motd (other)", ""),
		ch("h1", "file.a", "file /a", "planned before apt.base changes packages"),
		ch("h1", "file.b", "file /b", "planned before apt.base changes packages"),
		ch("h2", "file.a", "file /a", "planned before apt.base changes packages"),
		{Type: "run_done", Recap: map[string]*event.Recap{"h1": {Changed: 3}, "h2": {Changed: 2}, "h3": {Changed: 1}}},
	} {
		r.Event(e)
	}
	got := out.String()
	for _, want := range []string{
		"2 hosts: h1, h2  ~ file.motd\n",
		"h3  ~ file.motd\n",
		"2 hosts: h1, h2  ~ file.a\n",
		"h1  ~ file.b\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if n := strings.Count(got, "? planned before apt.base"); n != 1 {
		t.Errorf("caveat printed %d times, want once per host\n%s", n, got)
	}
}

// TestHostOutputIsTerminalSafe: what a command prints on a host (exec, or
// a command task with -v) reaches the terminal with controls escaped.
func TestHostOutputIsTerminalSafe(t *testing.T) {
	var b bytes.Buffer
	RenderExecText(&b, []event.ExecResult{{Host: "h1", Stdout: "ok\x1b[2J\r\n", Stderr: "\x1b]0;owned\x07"}})
	r := &TextRenderer{W: &b, Verbose: true}
	r.Event(&event.Event{Type: "run_start", Mode: "apply", Hosts: []string{"h1"}})
	r.Event(&event.Event{Type: "task", Host: "h1", Task: "command.x", Status: event.StatusChanged, Output: "said\x1b[1A\n"})
	out := b.String()
	for _, c := range []string{"\x1b", "\r", "\x07"} {
		if strings.Contains(out, c) {
			t.Errorf("output holds %q:\n%s", c, out)
		}
	}
	if !strings.Contains(out, `ok\x1b[2J\x0d`) || !strings.Contains(out, `said\x1b[1A`) {
		t.Errorf("escaped forms missing:\n%s", out)
	}
}
