package modules

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// Benchmarks of the pure, per-task work: parsing probe output, planning
// and diffing. Run: go test -bench . -benchmem ./modules ./playbooks

func BenchmarkFilePlanUnchanged(b *testing.B) {
	f := &File{Path: "/etc/app.conf", Mode: "0644"}
	f.SetContent([]byte(strings.Repeat("key = value\n", 200)))
	out := "type=file\nmode=644\nowner=root\ngroup=root\nsize=2400\nsha256=" + sha(f.data) + "\n"
	for b.Loop() {
		f.Plan(&Host{}, out)
	}
}

func BenchmarkFilePlanDiff(b *testing.B) {
	old := []byte(strings.Repeat("key = value\n", 200))
	f := &File{Path: "/etc/app.conf"}
	f.SetContent([]byte(strings.Replace(string(old), "value", "other", 3)))
	out := "type=file\nmode=644\nowner=root\ngroup=root\nsize=2400\nsha256=x\ncontent=" + base64.StdEncoding.EncodeToString(old) + "\n"
	for b.Loop() {
		f.Plan(&Host{}, out)
	}
}

func BenchmarkParseUFWState(b *testing.B) {
	var s strings.Builder
	s.WriteString("installed=yes\nENABLED=yes\nDEFAULT_INPUT_POLICY=\"DROP\"\n")
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&s, "user.rules allow tcp %d 0.0.0.0/0 any 0.0.0.0/0 in\n", 1000+i)
	}
	out := s.String()
	for b.Loop() {
		ParseUFWState(out)
	}
}

func BenchmarkJQEditPlan(b *testing.B) {
	j := &JQEdit{Path: "/x.json", Expression: `.gateway.bind = "loopback" | .plugins.enabled = false`}
	j.Check(Attrs{})
	doc := `{"gateway":{"port":18789,"bind":"lan"},"agents":{"a":[1,2,3]},"plugins":{"enabled":true}}`
	out := "type=file\nmode=600\nowner=root\ngroup=root\nsize=1\nsha256=x\ncontent=" + base64.StdEncoding.EncodeToString([]byte(doc)) + "\n"
	for b.Loop() {
		j.Plan(&Host{}, out)
	}
}

func BenchmarkEditCron(b *testing.B) {
	table := strings.Repeat("# x\n5 5 * * * /bin/true\n", 50)
	for b.Loop() {
		EditCron(table, "backup", []string{"0 2 * * 0 tar czf /b.tgz /x"}, true)
	}
}

func BenchmarkParseSchedule(b *testing.B) {
	for b.Loop() {
		ParseSchedule("*/5 1-6,12 1 jan-mar mon-fri")
	}
}
