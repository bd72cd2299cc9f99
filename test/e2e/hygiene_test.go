package e2e

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clawrun/clawrun/test/testbed"
)

// cleanupHosts runs script on hosts when the test ends, pass or fail, so
// that no test leaves state another depends on or trips over.
func cleanupHosts(t *testing.T, tb *testbed.Testbed, script string, hosts ...string) {
	t.Helper()
	if len(hosts) == 0 {
		hosts = tb.Hosts
	}
	t.Cleanup(func() {
		for _, h := range hosts {
			if out, err := tb.SSH(t, h, script); err != nil {
				t.Logf("cleanup on %s: %v\n%s", h, err, out)
			}
		}
	})
}

// waitFor polls cond every 50 ms until it holds; the test fails when it
// has not after timeout (a bound on a broken run, not a measurement).
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s waiting for %s", timeout, what)
		}
	}
}

// syncBuffer collects a running process's output; safe to read meanwhile.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sampleWhile runs sample repeatedly until stop is closed and returns
// everything it returned: e.g. a host's process list while a run goes on.
func sampleWhile(stop <-chan struct{}, sample func() string) <-chan string {
	done := make(chan string, 1)
	go func() {
		var all strings.Builder
		for {
			all.WriteString(sample())
			select {
			case <-stop:
				done <- all.String()
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return done
}

// running reports whether a process with exactly this command line runs
// on host.
func running(t *testing.T, tb *testbed.Testbed, host, cmdline string) bool {
	out, _ := tb.SSH(t, host, "pgrep -fx "+shellQuote(cmdline)+" >/dev/null && echo yes || echo no")
	return strings.TrimSpace(out) == "yes"
}
