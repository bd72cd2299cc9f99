// Package e2e drives the clawrun binary against real hosts of the testbed.
package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

var bin string // the clawrun binary under test

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "clawrun-e2e")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "clawrun")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/clawrun").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build clawrun: %v\n%s", err, out)
		os.Exit(1)
	}
	// Interrupted (Ctrl-C, or all.sh ending the run), also while it boots,
	// the testbed goes down with the tests rather than outliving them.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "e2e: %v: tearing down the testbed\n", s)
		testbed.Abort()
		code := 130
		if s == syscall.SIGTERM {
			code = 143
		}
		os.Exit(code)
	}()
	// Three Debian 12 hosts, and one Debian 13 host for the tests that
	// run on both releases (OnTrixie).
	tb, err := testbed.StartReleases(3, 1)
	if err != nil {
		if testbed.Required() {
			// CI (.ci/run's marker, CLAWRUN_REQUIRE_TESTBED or CI) installs
			// the testbed's tools: a skip there would hide a break.
			fmt.Fprintf(os.Stderr, "e2e: testbed unavailable, and real-host tests are required here: %v\n(remove %s if no CI run is under way)\n", err, testbed.RequiredMarker())
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "e2e: real-host tests will skip: %v\n", err)
	}
	code := m.Run()
	tb.Stop()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one clawrun invocation.
type result struct {
	Stdout, Stderr string
	Code           int
}

// clawrun runs the binary with args in dir and returns what it printed.
func clawrun(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{Stdout: out.String(), Stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.Code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run clawrun: %v", err)
	}
	return r
}

// event mirrors event.Event's JSON.
type event struct {
	Type    string `json:"type"`
	Host    string `json:"host"`
	Task    string `json:"task"`
	Status  string `json:"status"`
	Error   string `json:"error"`
	Caveat  string `json:"caveat"`
	Diff    string `json:"diff"`
	Changes []struct {
		Sign string `json:"sign"`
		Text string `json:"text"`
	} `json:"changes"`
	Recap map[string]struct {
		OK, Changed, Failed, Skipped, Unreachable int
		Stats                                     *struct {
			Handshakes int `json:"handshakes"`
			Sessions   int `json:"sessions"`
			RoundTrips int `json:"round_trips"`
		} `json:"stats"`
	} `json:"recap"`
}

// events parses NDJSON output; every line must parse.
func events(t *testing.T, out string) []event {
	t.Helper()
	var evs []event
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("json line does not parse: %v\n%s", err, sc.Text())
		}
		evs = append(evs, e)
	}
	return evs
}

// outcome is a task's status and change lines, for comparing plan with apply.
func outcomes(evs []event) map[string]string {
	m := map[string]string{}
	for _, e := range evs {
		if e.Type != "task" && e.Type != "handler" {
			continue
		}
		var b strings.Builder
		b.WriteString(e.Status)
		if e.Caveat != "" {
			// Planned before a package install: apply re-probes.
			m[e.Host+" "+e.Task] = "caveat"
			continue
		}
		if e.Type == "handler" {
			// plan says "may run"; apply says what the handler did.
			m[e.Host+" "+e.Task] = b.String()
			continue
		}
		for _, c := range e.Changes {
			fmt.Fprintf(&b, "\n%s %s", c.Sign, strings.TrimPrefix(c.Text, "would "))
		}
		m[e.Host+" "+e.Task] = b.String()
	}
	return m
}

func recap(t *testing.T, evs []event) map[string]struct {
	OK, Changed, Failed, Skipped, Unreachable int
	Stats                                     *struct {
		Handshakes int `json:"handshakes"`
		Sessions   int `json:"sessions"`
		RoundTrips int `json:"round_trips"`
	} `json:"stats"`
} {
	t.Helper()
	for _, e := range evs {
		if e.Type == "run_done" {
			return e.Recap
		}
	}
	t.Fatal("no run_done event")
	return nil
}
