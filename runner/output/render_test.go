package output

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/runner/event"
)

var update = flag.Bool("update", false, "rewrite golden files")

// events is a plan of three hosts with identical changes, one host with a
// different diff, a failure and a handler.
func sampleEvents() []*event.Event {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	ev := []*event.Event{{Type: "run_start", Mode: "plan", Hosts: []string{"h1", "h2", "h3", "h4"}, Playbook: "playbooks/vps.hcl"}}
	for _, h := range []string{"h1", "h2", "h3"} {
		ev = append(ev,
			&event.Event{Type: "task", Host: h, Task: "file.sshd_hardening", Module: "file", Status: event.StatusChanged,
				Changes: []modules.Line{{Sign: "+", Text: "file /etc/ssh/sshd_config.d/10-clawrun-hardening.conf (mode 0644)"}},
				Diff:    "--- /dev/null\n+++ /etc/ssh/sshd_config.d/10-clawrun-hardening.conf\n@@ -0,0 +1,2 @@\n+PermitRootLogin no\n+PasswordAuthentication no\n"},
			&event.Event{Type: "task", Host: h, Task: "apt.base", Module: "apt", Status: event.StatusOK},
			&event.Event{Type: "handler", Host: h, Task: "handler.reload_ssh", Module: "service", Status: event.StatusChanged, Changes: []modules.Line{{Sign: "!", Text: "may run"}}},
			&event.Event{Type: "host_done", Host: h, Status: event.StatusChanged})
	}
	ev = append(ev,
		&event.Event{Type: "task", Host: "h4", Task: "jq-edit.openclaw_config", Module: "jq-edit", Status: event.StatusChanged,
			Changes: []modules.Line{{Sign: "~", Text: "json /home/moltbot/.openclaw/openclaw.json (2 paths)"}},
			Diff:    "~ .gateway.auth.token: (sensitive value)\n~ .gateway.bind: \"lan\" → \"loopback\"\n", Caveat: "planned before apt.base changes packages"},
		&event.Event{Type: "task", Host: "h4", Task: "service.fail2ban", Module: "service", Status: event.StatusFailed, Error: "probe failed with exit status 1: no such unit"},
		&event.Event{Type: "host_done", Host: "h4", Status: event.StatusFailed},
		&event.Event{Type: "run_done", Mode: "plan", Recap: map[string]*event.Recap{
			"h1": {Changed: 2, OK: 1}, "h2": {Changed: 2, OK: 1}, "h3": {Changed: 2, OK: 1}, "h4": {Changed: 1, Failed: 1}}})
	for i, e := range ev {
		e.Time = t0.Add(time.Duration(i) * time.Millisecond)
	}
	return ev
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		os.WriteFile(path, []byte(got), 0o644)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test ./runner -update to accept):\n%s", name, got)
	}
}

func TestMarkdownGolden(t *testing.T) {
	var b bytes.Buffer
	r := &MarkdownRenderer{W: &b, Playbook: "playbooks/vps.hcl", Inventory: "hosts.hcl", Commit: "abc1234"}
	for _, e := range sampleEvents() {
		r.Event(e)
	}
	r.Close()
	golden(t, "plan.md", b.String())
	if n := strings.Count(b.String(), "file.sshd_hardening"); n != 1 {
		t.Errorf("identical change printed %d times, want once", n)
	}
	if !strings.Contains(b.String(), "all 4 hosts") && !strings.Contains(b.String(), "h1, h2, h3") {
		t.Error("hosts of the grouped change not named")
	}
}

func TestMarkdownTruncates(t *testing.T) {
	var b bytes.Buffer
	r := &MarkdownRenderer{W: &b, MaxChars: 3000}
	r.Event(&event.Event{Type: "run_start", Mode: "plan", Hosts: []string{"h1"}})
	for i := 0; i < 20; i++ {
		r.Event(&event.Event{Type: "task", Host: "h1", Task: "file.big" + string(rune('a'+i)), Status: event.StatusChanged,
			Changes: []modules.Line{{Sign: "~", Text: "file"}}, Diff: strings.Repeat("+line\n", 400)})
	}
	r.Close()
	if b.Len() > 3000 || !strings.Contains(b.String(), "truncated") {
		t.Errorf("%d chars, truncation not said", b.Len())
	}
}

func TestJSONGolden(t *testing.T) {
	var b bytes.Buffer
	r := &JSONRenderer{W: &b}
	for _, e := range sampleEvents() {
		r.Event(e)
	}
	golden(t, "plan.ndjson", b.String())
	tasks := 0
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line does not parse: %s", line)
		}
		if m["type"] == "task" {
			tasks++
		}
	}
	if tasks != 8 {
		t.Errorf("%d task events, want 8", tasks)
	}
}
