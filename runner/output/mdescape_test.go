package output

import (
	"strings"
	"testing"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/runner/event"
)

// Hostile host and task names cannot break the markdown review's table
// or headings, inject HTML, or carry a terminal escape.
func TestMarkdownHostileNames(t *testing.T) {
	for _, tc := range []struct {
		name, host, task string
	}{
		{"pipe", "evil|x|y", "file.a|b"},
		{"html", "<img src=x onerror=alert(1)>", "file.<script>"},
		{"backticks", "h`code`", "file.a`b``c"},
		{"newline", "h1\n#### fake heading", "file.x\n| forged | row |"},
		{"escape", "h\x1b[31mred", "file.\x1b]8;;http://x\x07"},
		{"link", "[click](http://x)", "file.*bold*_em_"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			m := &MarkdownRenderer{W: &b, Missing: []string{tc.host}}
			m.Event(&event.Event{Type: event.RunStart, Mode: "plan", Hosts: []string{tc.host}})
			m.Event(&event.Event{Type: event.Task, Host: tc.host, Task: tc.task, Status: event.StatusChanged,
				Changes: []modules.Line{{Sign: "+", Text: "x\x1b[2J"}}})
			m.Event(&event.Event{Type: event.Task, Host: tc.host, Task: tc.task + "2", Status: event.StatusFailed, Error: "boom\x1b[2J"})
			m.Event(&event.Event{Type: event.RunDone, Recap: map[string]*event.Recap{tc.host: {Failed: 1}}})
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, bad := range []string{"\x1b", "\x07", "<img", "#### fake", "\n| forged"} {
				if strings.Contains(out, bad) {
					t.Errorf("output holds %q:\n%s", bad, out)
				}
			}
			// In a code span (the task name) HTML is literal text.
			if strings.Contains(tc.task, "<") && !strings.Contains(out, "`"+tc.task+"`") {
				t.Errorf("task name %q not in a code span:\n%s", tc.task, out)
			}
			if !strings.Contains(out, `\x1b`) && strings.Contains(tc.host+tc.task, "\x1b") {
				t.Errorf("escape not shown as \\x1b:\n%s", out)
			}
			var rows, heads int
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, "| ") && !strings.HasPrefix(l, "| host ") {
					rows++
					if n := unescapedPipes(l); n != 8 {
						t.Errorf("table row has %d cell separators, want 8: %q", n, l)
					}
				}
				if strings.HasPrefix(l, "#### ") {
					heads++
				}
			}
			if rows != 1 || heads != 2 {
				t.Errorf("%d rows, %d headings, want 1 and 2:\n%s", rows, heads, out)
			}
		})
	}
}

func unescapedPipes(l string) int {
	n := 0
	for i := 0; i < len(l); i++ {
		switch l[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n
}

func TestCodeSpan(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"file.a", "`file.a`"},
		{"a`b", "```a`b```"},
		{"`a", "``` `a ```"},
		{"a\nb", "`a\\nb`"},
		{"a\x1bb", "`a\\x1bb`"},
	} {
		if got := codeSpan(tc.in); got != tc.want {
			t.Errorf("codeSpan(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Header facts (a --limit naming hosts) are code spans that a backtick
// or newline in them cannot end.
func TestMarkdownHeaderFacts(t *testing.T) {
	var b strings.Builder
	m := &MarkdownRenderer{W: &b, Limit: "a`b\n## forged", Commit: "abc1234"}
	m.Event(&event.Event{Type: event.RunStart, Mode: "plan"})
	m.Event(&event.Event{Type: event.RunDone})
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	want := "**Limit** ```a`b\\n## forged``` · **Commit** `abc1234`\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("header:\n%s\nwant %q", b.String(), want)
	}
}
