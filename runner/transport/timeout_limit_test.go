package transport

import (
	"strings"
	"testing"
	"time"
)

func TestProbeLimit(t *testing.T) {
	for _, c := range []struct {
		name     string
		timeouts []time.Duration
		limit    time.Duration
		kind     TimeoutKind
	}{
		{"none", nil, ProbeTimeout, probeTimeout},
		{"one short", []time.Duration{5 * time.Second}, 5 * time.Second, probeTaskTimeout},
		{"the longest", []time.Duration{5 * time.Second, 20 * time.Second}, 20 * time.Second, probeTaskTimeout},
		{"longer than the default", []time.Duration{10 * time.Minute}, 10 * time.Minute, probeTaskTimeout},
	} {
		t.Run(c.name, func(t *testing.T) {
			limit, kind := ProbeLimit(c.timeouts)
			if limit != c.limit || kind != c.kind {
				t.Errorf("got %s, %d; want %s, %d", limit, kind, c.limit, c.kind)
			}
		})
	}
}

func TestProbeTimeoutMessage(t *testing.T) {
	e := &timeoutError{limit: 5 * time.Second, kind: probeTaskTimeout}
	if msg := e.Error(); !strings.Contains(msg, "the task's timeout (5s)") || strings.Contains(msg, "longer timeout") {
		t.Errorf("message: %s", msg)
	}
}

func TestKillScriptSparesOwnGroup(t *testing.T) {
	s := killScript("clawrun-sh-0123")
	for _, want := range []string{"tag=clawrun-sh-0123\n", `" $pgs $me 0 1 "`, "kill -s TERM", "kill -s KILL"} {
		if !strings.Contains(s, want) {
			t.Errorf("kill script lacks %q", want)
		}
	}
}
