package output

import (
	"bytes"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/runner/event"
)

// TestTextEscapesHostControls: escape sequences and carriage returns from
// a host (file content in a diff, an error, a path) never reach the terminal.
func TestTextEscapesHostControls(t *testing.T) {
	var b bytes.Buffer
	r := &TextRenderer{W: &b, Diffs: true}
	r.Event(&event.Event{Type: "run_start", Mode: "plan", Hosts: []string{"h1"}})
	r.Event(&event.Event{Type: "task", Host: "h1", Task: "file.x", Status: event.StatusChanged,
		Changes: []modules.Line{{Sign: "~", Text: "link /a -> \x1b]0;owned\x07"}},
		Diff:    "--- /a\n+++ /a\n@@ -1 +1 @@\n-old\x1b[2J\r\n+new\x9b31m\n"})
	r.Event(&event.Event{Type: "task", Host: "h1", Task: "file.y", Status: event.StatusFailed, Error: "boom\x1b[1A\x08\x08ok"})
	r.Event(&event.Event{Type: "notice", Host: "h1", Task: "apt.z", Message: "wait\x1bc"})
	r.Close() // plan prints its changes, grouped, at the end
	out := b.String()
	for _, c := range []string{"\x1b", "\r", "\x07", "\x08", "\u009b"} {
		if strings.Contains(out, c) {
			t.Errorf("output holds %q:\n%s", c, out)
		}
	}
	if !strings.Contains(out, `-old\x1b[2J\x0d`) {
		t.Errorf("escaped form missing:\n%s", out)
	}
}

// TestMarkdownFenceCannotBeClosed: a diff holding ``` lines stays inside
// its code block.
func TestMarkdownFenceCannotBeClosed(t *testing.T) {
	var b bytes.Buffer
	m := &MarkdownRenderer{W: &b}
	m.Event(&event.Event{Type: "run_start", Mode: "plan", Hosts: []string{"h1"}})
	evil := "+```\n+</details>\n+## Approved by security\n+````\n"
	m.Event(&event.Event{Type: "task", Host: "h1", Task: "file.x", Status: event.StatusChanged, Changes: []modules.Line{{Sign: "~", Text: "file /a ```"}}, Diff: evil})
	m.Event(&event.Event{Type: "task", Host: "h1", Task: "file.y", Status: event.StatusFailed, Error: "```\n## forged"})
	m.Close()
	out := b.String()
	if !strings.Contains(out, "`````diff\n"+strings.TrimRight(evil, "\n")+"\n`````\n") {
		t.Errorf("diff not fenced beyond its backticks:\n%s", out)
	}
	if !strings.Contains(out, "````\n```\n## forged\n````\n") {
		t.Errorf("error not fenced beyond its backticks:\n%s", out)
	}
}
