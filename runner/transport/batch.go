package transport

import (
	"context"

	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/clawrun/clawrun/modules"
	"strconv"
	"strings"
)

// ProbeResult is one section of a batched probe.
type ProbeResult struct {
	Out    string
	Code   int
	Stderr string
}

// batchScript joins probe scripts into one script with sectioned output.
// Probes run in this shell, not a subshell each (a fork per task adds up);
// they must not exit. Markers carrying a per-run nonce frame each probe's
// stdout (with its exit code) and its stderr, on their own streams: no
// temp file, no process of the batch's own.
func batchScript(nonce string, scripts []string) string {
	var b strings.Builder
	for i, s := range scripts {
		fmt.Fprintf(&b, "printf '@@%s-begin %d\\n'; printf '@@%s-begin %d\\n' >&2\n", nonce, i, nonce, i)
		fmt.Fprintf(&b, "{\n%s\n}; clawrun_rc=$?\n", s)
		fmt.Fprintf(&b, "printf '\\n@@%s-end %d %%d\\n' \"$clawrun_rc\"; printf '\\n@@%s-end %d\\n' >&2\n", nonce, i, nonce, i)
	}
	return b.String()
}

// parseBatch splits batched output into n results; a failed probe gets
// its stderr section.
func parseBatch(nonce, out, errOut string, n int) ([]ProbeResult, error) {
	res := make([]ProbeResult, n)
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
			res[i].Stderr = section(errOut, nonce, i)
		}
	}
	return res, nil
}

// section is probe i's part of stderr.
func section(errOut, nonce string, i int) string {
	begin := fmt.Sprintf("@@%s-begin %d\n", nonce, i)
	j := strings.Index(errOut, begin)
	if j < 0 {
		return ""
	}
	s := errOut[j+len(begin):]
	if k := strings.Index(s, fmt.Sprintf("\n@@%s-end %d\n", nonce, i)); k >= 0 {
		s = s[:k]
	}
	return s
}

// unmarked is stderr without the batch's marker lines, for messages.
func unmarked(errOut, nonce string) string {
	var keep []string
	for _, l := range strings.Split(errOut, "\n") {
		if !strings.HasPrefix(l, "@@"+nonce+"-") {
			keep = append(keep, l)
		}
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}

func newNonce() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ProbeItem is one probe to run as part of a batch: a script, or a path
// that joins the batch's shared file probe.
type ProbeItem struct {
	Script string
	File   *modules.FileSpec
	Become bool
}

// batch is a set of probes sent as one script with sectioned output. Equal
// probe scripts (two cron tasks of one user) run once; file probes share
// one extra, last section.
type Batch struct {
	nonce   string
	items   []ProbeItem
	scripts []string
	section []int // item -> its script's section; -1 for file probes
}

func NewBatch(items []ProbeItem) *Batch {
	b := &Batch{nonce: newNonce(), items: items, section: make([]int, len(items))}
	seen := map[string]int{}
	var specs []modules.FileSpec
	for i, it := range items {
		if it.File != nil {
			b.section[i] = -1
			specs = append(specs, *it.File)
			continue
		}
		k, ok := seen[it.Script]
		if !ok {
			k = len(b.scripts)
			seen[it.Script] = k
			b.scripts = append(b.scripts, it.Script)
		}
		b.section[i] = k
	}
	if len(specs) > 0 {
		b.scripts = append(b.scripts, modules.BatchFileProbe(specs))
	}
	return b
}

func (b *Batch) Script() string { return batchScript(b.nonce, b.scripts) }

// parse maps the batch's output back to one result per item.
func (b *Batch) Parse(out, stderr string) ([]ProbeResult, error) {
	r, err := parseBatch(b.nonce, out, stderr, len(b.scripts))
	if err != nil {
		return nil, sudoHint(fmt.Errorf("%w (%s)", err, unmarked(stderr, b.nonce)), stderr)
	}
	res := make([]ProbeResult, len(b.items))
	var outs map[string]string
	var specs []modules.FileSpec
	for _, it := range b.items {
		if it.File != nil {
			specs = append(specs, *it.File)
		}
	}
	for i, it := range b.items {
		if k := b.section[i]; k >= 0 {
			res[i] = r[k]
			continue
		}
		shared := r[len(r)-1]
		if outs == nil {
			if outs, err = modules.SplitFileProbe(specs, shared.Out); err != nil {
				return nil, err
			}
		}
		o, ok := outs[it.File.Path]
		if !ok {
			o = "type=absent\n"
		}
		res[i] = ProbeResult{Out: o, Code: shared.Code, Stderr: shared.Stderr}
	}
	return res, nil
}

// reprobe probes each file that did not fit the batch's content budget
// (modules.BatchContentBudget: a user made many files large) alone, where
// it fits: a round trip more per such file, none when all fit.
func (b *Batch) Reprobe(ctx context.Context, c Conn, become bool, res []ProbeResult) error {
	for j, it := range b.items {
		if it.File == nil || !modules.ContentDeferred(res[j].Out) {
			continue
		}
		one := NewBatch([]ProbeItem{it})
		r, err := c.Run(ctx, one.Script(), become)
		if err != nil {
			return err
		}
		alone, err := one.Parse(r.Stdout, r.Stderr)
		if err != nil {
			return err
		}
		res[j] = alone[0]
	}
	return nil
}

// SameBecome reports whether every item runs with the given privileges.
func SameBecome(items []ProbeItem, become bool) bool {
	for _, it := range items {
		if it.Become != become {
			return false
		}
	}
	return true
}

// RunProbes runs all probes in as few round trips as possible: one per
// privilege level (usually one).
func RunProbes(ctx context.Context, c Conn, items []ProbeItem) ([]ProbeResult, error) {
	out := make([]ProbeResult, len(items))
	for _, become := range []bool{true, false} {
		var idx []int
		var group []ProbeItem
		for i, it := range items {
			if it.Become == become {
				idx = append(idx, i)
				group = append(group, it)
			}
		}
		if len(idx) == 0 {
			continue
		}
		bt := NewBatch(group)
		r, err := c.Run(ctx, bt.Script(), become)
		if err != nil {
			return nil, err
		}
		res, err := bt.Parse(r.Stdout, r.Stderr)
		if err != nil {
			return nil, err
		}
		if err := bt.Reprobe(ctx, c, become, res); err != nil {
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
