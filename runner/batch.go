package runner

import (
	"context"

	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/clawrun/clawrun/modules"
	"strconv"
	"strings"
)

// probeResult is one section of a batched probe.
type probeResult struct {
	Out    string
	Code   int
	Stderr string
}

// batchScript joins probe scripts into one script with sectioned output.
// Each probe runs in a subshell; its stdout is framed by markers carrying a
// per-run nonce, its exit code and, on failure, its stderr.
func batchScript(nonce string, scripts []string) string {
	var b strings.Builder
	// Probes run in this shell, not a subshell each (a fork per task
	// adds up); they must not exit. Their stderr goes to one file, shown
	// only for a probe that failed.
	// A long-lived shell made the file once (clawrun_e, see shell.go).
	b.WriteString("clawrun_own=\n[ -n \"$clawrun_e\" ] || { clawrun_e=$(mktemp) && clawrun_own=1; } || exit 1\n")
	for i, s := range scripts {
		fmt.Fprintf(&b, "printf '@@%s-begin %d\\n'\n", nonce, i)
		fmt.Fprintf(&b, "{\n%s\n} 2>\"$clawrun_e\"; clawrun_rc=$?\n", s)
		fmt.Fprintf(&b, "printf '\\n@@%s-end %d %%d\\n' \"$clawrun_rc\"\n", nonce, i)
		fmt.Fprintf(&b, "if [ \"$clawrun_rc\" -ne 0 ]; then cat \"$clawrun_e\"; printf '\\n@@%s-err %d\\n'; fi\n", nonce, i)
	}
	b.WriteString("[ -z \"$clawrun_own\" ] || rm -f \"$clawrun_e\"\n")
	return b.String()
}

// parseBatch splits batched output into n results.
func parseBatch(nonce, out string, n int) ([]probeResult, error) {
	res := make([]probeResult, n)
	rest := out
	for i := 0; i < n; i++ {
		begin := fmt.Sprintf("@@%s-begin %d\n", nonce, i)
		j := strings.Index(rest, begin)
		if j < 0 {
			return nil, fmt.Errorf("probe output ended before section %d", i)
		}
		rest = rest[j+len(begin):]
		end := fmt.Sprintf("\n@@%s-end %d ", nonce, i)
		k := strings.Index(rest, end)
		if k < 0 {
			return nil, fmt.Errorf("probe section %d is not terminated", i)
		}
		res[i].Out = rest[:k]
		rest = rest[k+len(end):]
		line, after, _ := strings.Cut(rest, "\n")
		res[i].Code, _ = strconv.Atoi(strings.TrimSpace(line))
		rest = after
		if res[i].Code != 0 {
			errEnd := fmt.Sprintf("\n@@%s-err %d\n", nonce, i)
			if e := strings.Index(rest, errEnd); e >= 0 {
				res[i].Stderr = rest[:e]
				rest = rest[e+len(errEnd):]
			}
		}
	}
	return res, nil
}

func newNonce() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// probeItem is one probe to run as part of a batch: a script, or a path
// that joins the batch's shared file probe.
type probeItem struct {
	Script string
	File   *modules.FileSpec
	Become bool
}

// batch is a set of probes sent as one script with sectioned output. File
// probes share one extra, last section.
type batch struct {
	nonce   string
	items   []probeItem
	scripts []string
}

func newBatch(items []probeItem) *batch {
	b := &batch{nonce: newNonce(), items: items, scripts: make([]string, len(items))}
	var specs []modules.FileSpec
	for i, it := range items {
		b.scripts[i] = it.Script
		if it.File != nil {
			b.scripts[i] = "true"
			specs = append(specs, *it.File)
		}
	}
	if len(specs) > 0 {
		b.scripts = append(b.scripts, modules.BatchFileProbe(specs))
	}
	return b
}

func (b *batch) script() string { return batchScript(b.nonce, b.scripts) }

// parse maps the batch's output back to one result per item.
func (b *batch) parse(out, stderr string) ([]probeResult, error) {
	r, err := parseBatch(b.nonce, out, len(b.scripts))
	if err != nil {
		return nil, sudoHint(fmt.Errorf("%w (%s)", err, strings.TrimSpace(stderr)), stderr)
	}
	if len(r) == len(b.items) {
		return r, nil
	}
	shared := r[len(r)-1]
	outs := modules.SplitFileProbe(shared.Out)
	r = r[:len(r)-1]
	for i, it := range b.items {
		if it.File == nil {
			continue
		}
		o, ok := outs[it.File.Path]
		if !ok {
			o = "type=absent\n"
		}
		r[i] = probeResult{Out: o, Code: shared.Code, Stderr: shared.Stderr}
	}
	return r, nil
}

// sameBecome reports whether every item runs with the given privileges.
func sameBecome(items []probeItem, become bool) bool {
	for _, it := range items {
		if it.Become != become {
			return false
		}
	}
	return true
}

// runProbes runs all probes in as few round trips as possible: one per
// privilege level (usually one).
func runProbes(ctx context.Context, c Conn, items []probeItem) ([]probeResult, error) {
	out := make([]probeResult, len(items))
	for _, become := range []bool{true, false} {
		var idx []int
		var group []probeItem
		for i, it := range items {
			if it.Become == become {
				idx = append(idx, i)
				group = append(group, it)
			}
		}
		if len(idx) == 0 {
			continue
		}
		bt := newBatch(group)
		r, err := c.Run(ctx, bt.script(), become)
		if err != nil {
			return nil, err
		}
		res, err := bt.parse(r.Stdout, r.Stderr)
		if err != nil {
			return nil, err
		}
		for j, i := range idx {
			out[i] = res[j]
		}
	}
	return out, nil
}

// sudoHint turns sudo's refusal into advice.
func sudoHint(err error, stderr string) error {
	if strings.Contains(stderr, "sudo: a password is required") {
		return fmt.Errorf("sudo needs a password on this host: set CLAWRUN_BECOME_PASSWORD (sent on stdin, never shown)")
	}
	return err
}
