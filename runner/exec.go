package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/clawrun/clawrun/inventory"
	"github.com/clawrun/clawrun/runner/transport"
)

// maxOutput bounds what a host's command may print into clawrun's memory
// and output; the rest is cut with a note.
const maxOutput = 256 << 10

// ExecResult is one host's outcome of an ad-hoc command.
type ExecResult struct {
	Host       string `json:"host"`
	Stdout     string `json:"stdout"`
	Stderr     string `json:"stderr"`
	ExitCode   int    `json:"exit_code"`
	Error      string `json:"error,omitempty"` // connection failure: the command did not run
	DurationMS int64  `json:"duration_ms"`
}

// Failed reports whether the command failed or could not run.
func (r *ExecResult) Failed() bool { return r.Error != "" || r.ExitCode != 0 }

// Exec runs command with /bin/sh on every host, forks at a time, over the
// same connections and shells as a playbook run (one SSH connection per
// host; the command travels on stdin). Results are in hosts' order.
func Exec(ctx context.Context, hosts []*inventory.Host, command string, become bool, forks int, dial transport.DialOptions) []ExecResult {
	if forks <= 0 {
		forks = 50
	}
	out := make([]ExecResult, len(hosts))
	sem := make(chan struct{}, forks)
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = execOne(ctx, h, command, become, dial)
		}()
	}
	wg.Wait()
	return out
}

func execOne(ctx context.Context, h *inventory.Host, command string, become bool, dial transport.DialOptions) (res ExecResult) {
	start := time.Now()
	res.Host = h.Name
	defer func() { res.DurationMS = time.Since(start).Milliseconds() }()
	var conn transport.Conn
	if h.Connection == "local" {
		conn = &transport.Local{Password: dial.BecomePassword}
	} else {
		c, err := transport.DialSSH(ctx, h, dial)
		if err != nil {
			res.Error = err.Error()
			return res
		}
		conn = c
	}
	defer conn.Close()
	r, err := conn.Run(context.WithoutCancel(ctx), command, become)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Stdout, res.Stderr, res.ExitCode = bound(r.Stdout), bound(r.Stderr), r.Code
	return res
}

func bound(s string) string {
	if len(s) > maxOutput {
		return s[:maxOutput] + fmt.Sprintf("\n… (%d more bytes cut)\n", len(s)-maxOutput)
	}
	return s
}

// RenderExecText prints each distinct outcome once, under the hosts that
// share it ("h1, h2 (2 hosts): exit 0"), in the order of the first host.
func RenderExecText(w io.Writer, results []ExecResult) {
	type group struct {
		hosts []string
		r     ExecResult
	}
	var groups []*group
	index := map[string]*group{}
	for _, r := range results {
		key := fmt.Sprintf("%d\x00%s\x00%s\x00%s", r.ExitCode, r.Error, r.Stdout, r.Stderr)
		g := index[key]
		if g == nil {
			g = &group{r: r}
			index[key] = g
			groups = append(groups, g)
		}
		g.hosts = append(g.hosts, r.Host)
	}
	for i, g := range groups {
		if i > 0 {
			fmt.Fprintln(w)
		}
		who := strings.Join(g.hosts, ", ")
		if len(g.hosts) > 1 {
			who += fmt.Sprintf(" (%d hosts)", len(g.hosts))
		}
		switch {
		case g.r.Error != "":
			fmt.Fprintf(w, "== %s: UNREACHABLE: %s\n", who, termSafe(g.r.Error))
			continue
		case g.r.ExitCode != 0:
			fmt.Fprintf(w, "== %s: FAILED, exit %d\n", who, g.r.ExitCode)
		default:
			fmt.Fprintf(w, "== %s: exit 0\n", who)
		}
		writeIndented(w, g.r.Stdout, "  ")
		if g.r.Stderr != "" {
			writeIndented(w, g.r.Stderr, "  stderr: ")
		}
	}
	failed := 0
	for _, r := range results {
		if r.Failed() {
			failed++
		}
	}
	fmt.Fprintf(w, "\n%s, %d failed\n", Plural(len(results), "host"), failed)
}

// RenderExecJSON prints one "exec" event per host, then "exec_done".
func RenderExecJSON(w io.Writer, results []ExecResult) {
	enc := json.NewEncoder(w)
	failed := 0
	now := time.Now().UTC()
	for _, r := range results {
		if r.Failed() {
			failed++
		}
		enc.Encode(struct {
			Type string    `json:"type"`
			Time time.Time `json:"time"`
			ExecResult
		}{"exec", now, r})
	}
	hosts := make([]string, len(results))
	for i, r := range results {
		hosts[i] = r.Host
	}
	sort.Strings(hosts)
	enc.Encode(map[string]any{"type": "exec_done", "time": now, "hosts": hosts, "failed": failed})
}

func writeIndented(w io.Writer, s, prefix string) {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return
	}
	for _, l := range strings.Split(s, "\n") {
		fmt.Fprintf(w, "%s%s\n", prefix, termSafe(l))
	}
}

// Plural is "1 host", "2 hosts".
func Plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// commandOutput is what a command task's step printed: stdout up to the
// probes that rode along, then stderr less clawrun's own lines.
func commandOutput(res *transport.Result, follow *transport.Batch) string {
	out, stderr := res.Stdout, res.Stderr
	if follow != nil {
		out, stderr = follow.Cut(out), follow.Cut(stderr)
	}
	var errLines []string
	for _, l := range strings.Split(stderr, "\n") {
		if l != "" && !strings.HasPrefix(l, "clawrun: step ") {
			errLines = append(errLines, l)
		}
	}
	if len(errLines) > 0 {
		if out != "" && !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
		out += strings.Join(errLines, "\n") + "\n"
	}
	return bound(out)
}
