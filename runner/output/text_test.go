package output

import (
	"bytes"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/runner/event"
	"github.com/clawrun/clawrun/runner/transport"
)

// TestTextRenderer: colours, signs, the progress line and stats.
func TestTextRenderer(t *testing.T) {
	var out, prog bytes.Buffer
	tr := &TextRenderer{W: &out, Color: true, Diffs: true, Stats: true, Progress: &prog}
	for _, e := range sampleEvents() {
		if e.Type == "run_done" {
			e.Recap["h1"].Stats = &transport.Stats{Handshakes: 1, RoundTrips: 2}
		}
		tr.Event(e)
	}
	tr.Event(&event.Event{Type: "notice", Host: "h1", Task: "apt.base", Message: "waiting for the package lock"})
	s := out.String()
	for _, want := range []string{cGreen + "+" + cReset, "round_trips=2", "waiting for the package lock", "? planned before apt.base changes packages", "x FAILED"} {
		if !strings.Contains(s, want) {
			t.Errorf("text output lacks %q:\n%s", want, s)
		}
	}
	if !strings.Contains(prog.String(), "hosts done") {
		t.Errorf("no progress line: %q", prog.String())
	}
}
