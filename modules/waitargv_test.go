package modules

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWaitKeepsArgsOffProcessList: a wait's URL (which may hold a token),
// host, port and contains never appear in any process's arguments, which
// every user of the host can read. The listener accepts and never answers,
// so each tool sits in its fetch while /proc is polled.
func TestWaitKeepsArgsOffProcessList(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	const token = "tok-9f2c7e1d5a"
	for _, tool := range []string{"curl", "wget", "bash"} {
		for _, w := range []Wait{
			{HTTP: fmt.Sprintf("http://127.0.0.1:%d/health?token=%s", port, token), Contains: "ok-" + token, timeout: 2 * time.Second},
			{Port: port, Address: "127.0.0.1", State: "stopped", timeout: 2 * time.Second},
		} {
			if w.HTTP == "" && tool != "bash" {
				continue
			}
			t.Run(tool+"/"+map[bool]string{true: "http", false: "port"}[w.HTTP != ""], func(t *testing.T) {
				path := pathWith(t, tool)
				secret := token
				if w.HTTP == "" {
					secret = fmt.Sprintf("127.0.0.1/%d", port) // bash's /dev/tcp argument
				}
				cmd := exec.Command(filepath.Join(path, "sh"), "-s")
				cmd.Env = []string{"PATH=" + path, "LC_ALL=C"}
				cmd.Stdin = strings.NewReader(w.pollScript())
				var errb strings.Builder
				cmd.Stderr = &errb
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				done := make(chan struct{})
				go func() { cmd.Wait(); close(done) }()
				seen, polls := "", 0
				for running := true; running; {
					select {
					case <-done:
						running = false
					case <-time.After(10 * time.Millisecond):
						polls++
						if s := argsHolding(secret, fmt.Sprint(port)); s != "" && seen == "" {
							seen = s
						}
					}
				}
				if seen != "" {
					t.Errorf("a process's arguments hold the wait's target: %q", seen)
				}
				// Time, not the poll count, says the wait ran to its
				// timeout: a loaded machine scans /proc slowly.
				if el := time.Since(start); el < w.timeout*9/10 || polls < 3 || !strings.Contains(errb.String(), "timed out") {
					t.Errorf("the wait did not run until its timeout (%v, %d polls): %s", el, polls, errb.String())
				}
			})
		}
	}
}

// argsHolding returns the first command line under /proc holding one of
// the strings.
func argsHolding(subs ...string) string {
	m, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	self := fmt.Sprintf("/proc/%d/", os.Getpid())
	for _, f := range m {
		if strings.HasPrefix(f, self) {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, s := range subs {
			if bytes.Contains(b, []byte(s)) {
				return string(bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
			}
		}
	}
	return ""
}
