package runner

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/clawrun/clawrun/inventory"
	"github.com/clawrun/clawrun/runner/event"
	"github.com/clawrun/clawrun/runner/transport"
)

// maxOutput bounds what a host's command may print into clawrun's memory
// and output; the rest is cut with a note.
const maxOutput = 256 << 10

// Exec runs command with /bin/sh on every host, forks at a time, over the
// same connections and shells as a playbook run (one SSH connection per
// host; the command travels on stdin). Results are in hosts' order.
func Exec(ctx context.Context, hosts []*inventory.Host, command string, become bool, forks int, dial transport.DialOptions) []event.ExecResult {
	if forks <= 0 {
		forks = 50
	}
	out := make([]event.ExecResult, len(hosts))
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

func execOne(ctx context.Context, h *inventory.Host, command string, become bool, dial transport.DialOptions) (res event.ExecResult) {
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
