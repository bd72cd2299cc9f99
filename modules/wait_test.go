package modules

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWaitCheck(t *testing.T) {
	known := func(names ...string) Attrs {
		a := Attrs{"": {Known: true}}
		for _, n := range names {
			a[n] = Attr{Known: true}
		}
		return a
	}
	for _, c := range []struct {
		name  string
		w     Wait
		attrs Attrs
		want  string // "" for valid
	}{
		{"port", Wait{Port: 22}, known("port"), ""},
		{"http", Wait{HTTP: "http://127.0.0.1:8080/health", Status: 204, Contains: "ok"}, known("http", "status", "contains"), ""},
		{"neither", Wait{}, known(), "exactly one of port and http"},
		{"both", Wait{Port: 1, HTTP: "http://x/"}, known("port", "http"), "exactly one of port and http"},
		{"port range", Wait{Port: 70000}, known("port"), "not a TCP port"},
		{"status with port", Wait{Port: 22, Status: 200}, known("port", "status"), "status goes with http"},
		{"not a URL", Wait{HTTP: "ftp://x/"}, known("http"), "not an http:// or https:// URL"},
		{"credentials", Wait{HTTP: "http://u:p@x/"}, known("http"), "credentials"},
		{"bad state", Wait{Port: 22, State: "up"}, known("port", "state"), "not one of started, stopped"},
		{"multi-line contains", Wait{HTTP: "http://x/", Contains: "a\nb"}, known("http", "contains"), "one line"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := c.w.Check(c.attrs)
			if c.want == "" {
				if d.HasErrors() {
					t.Fatalf("unexpected error: %s", d.Error())
				}
				return
			}
			if !d.HasErrors() || !strings.Contains(d.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", d, c.want)
			}
		})
	}
}

// pathWith makes a PATH holding only the tools a host might have, so each
// way of checking (curl, wget, bash) is tested on its own.
func pathWith(t *testing.T, tools ...string) string {
	dir := t.TempDir()
	for _, n := range append([]string{"sh", "timeout", "mktemp", "sed", "head", "tail", "grep", "rm", "date", "sleep", "cat"}, tools...) {
		p, err := exec.LookPath(n)
		if err != nil {
			t.Skipf("%s not installed", n)
		}
		if err := os.Symlink(p, filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runWaitSh(t *testing.T, path, script string) (string, string, int) {
	cmd := exec.Command(filepath.Join(path, "sh"), "-c", script)
	cmd.Env = []string{"PATH=" + path, "LC_ALL=C"}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// TestWaitScripts runs the probe and the polling check with a real
// listener, by every tool a host may have.
func TestWaitScripts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			fmt.Fprintln(w, "status: ready")
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	open := srv.Listener.Addr().(*net.TCPAddr).Port
	one := time.Second
	for _, tool := range []string{"curl", "wget", "bash"} {
		path := pathWith(t, tool)
		for _, c := range []struct {
			name string
			w    Wait
			up   bool
		}{
			{"open port", Wait{Port: open}, true},
			{"closed port", Wait{Port: closed, timeout: one}, false},
			{"http 200", Wait{HTTP: srv.URL + "/health"}, true},
			{"http contains", Wait{HTTP: srv.URL + "/health", Contains: "ready"}, true},
			{"http lacks text", Wait{HTTP: srv.URL + "/health", Contains: "degraded", timeout: one}, false},
			{"http 404", Wait{HTTP: srv.URL + "/nope", timeout: one}, false},
			{"http 404 expected", Wait{HTTP: srv.URL + "/nope", Status: 404}, true},
			{"http refused", Wait{HTTP: fmt.Sprintf("http://127.0.0.1:%d/", closed), timeout: one}, false},
		} {
			if c.w.HTTP == "" && tool != "bash" {
				continue // ports are tested with bash (or nc)
			}
			t.Run(tool+"/"+c.name, func(t *testing.T) {
				out, stderr, code := runWaitSh(t, path, c.w.Probe())
				if code != 0 {
					t.Fatalf("probe exit %d: %s", code, stderr)
				}
				p, err := c.w.Plan(&Host{}, out)
				if err != nil {
					t.Fatal(err)
				}
				if p.Changed() {
					t.Fatal("a wait must never change anything")
				}
				if c.up != (len(p.Checks) == 0) {
					t.Fatalf("probe said %q, want up=%v", out, c.up)
				}
				if c.up {
					return
				}
				t0 := time.Now()
				_, stderr, code = runWaitSh(t, path, p.Checks[0].Script)
				if code != 1 || !strings.Contains(stderr, "timed out after 1 s waiting for") {
					t.Fatalf("check exit %d, stderr %q: want a timeout", code, stderr)
				}
				if d := time.Since(t0); d > 4*time.Second {
					t.Errorf("check took %s with timeout 1", d)
				}
			})
		}
	}
	t.Run("no tool", func(t *testing.T) {
		_, stderr, code := runWaitSh(t, pathWith(t), (&Wait{Port: 1}).Probe())
		if code != 2 || !strings.Contains(stderr, "needs bash or nc") {
			t.Fatalf("exit %d, %q", code, stderr)
		}
	})
}

// TestWaitPollsUntilUp: the check returns once the port opens.
func TestWaitPollsUntilUp(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	go func() {
		time.Sleep(1500 * time.Millisecond)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			time.Sleep(5 * time.Second)
			l.Close()
		}
	}()
	w := &Wait{Port: port}
	_, stderr, code := runWaitSh(t, pathWith(t, "bash"), w.pollScript())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "clawrun-notice: waiting for 127.0.0.1:") {
		t.Errorf("no notice while waiting: %q", stderr)
	}
}
