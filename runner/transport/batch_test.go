package transport

import (
	"bytes"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestBatchInShell runs a batch with /bin/sh, as a host would, and parses
// what it printed.
func TestBatchInShell(t *testing.T) {
	cases := []struct {
		name   string
		script string
		out    string
		code   int
		stderr string
	}{
		{name: "plain", script: "echo a=1", out: "a=1\n"},
		{name: "no trailing newline", script: "printf x", out: "x"},
		{name: "empty", script: "true", out: ""},
		{name: "failure carries its stderr", script: "echo partial; echo boom >&2; false", out: "partial\n", code: 1, stderr: "boom"},
		{name: "stderr of a success is dropped", script: "echo noise >&2; echo ok", out: "ok\n"},
		{name: "output that looks like a marker", script: "echo '@@0000-end 0 0'", out: "@@0000-end 0 0\n"},
		{name: "same script again", script: "echo a=1", out: "a=1\n"},
	}
	items := make([]ProbeItem, len(cases))
	for i, c := range cases {
		items[i] = ProbeItem{Script: c.script}
	}
	bt := NewBatch(items)
	if n := strings.Count(bt.Script(), "echo a=1"); n != 1 {
		t.Errorf("an equal probe runs %d times, want once", n)
	}
	cmd := exec.Command("/bin/sh", "-s")
	cmd.Stdin = strings.NewReader(bt.Script())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	res, err := bt.Parse(out.String(), errb.String())
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		r := res[i]
		if r.Out != c.out || r.Code != c.code || strings.TrimSpace(r.Stderr) != c.stderr {
			t.Errorf("%s: got %q/%d/%q, want %q/%d/%q", c.name, r.Out, r.Code, r.Stderr, c.out, c.code, c.stderr)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestBatchTruncated(t *testing.T) {
	if _, err := parseBatch("n", "@@n-begin 0\nabc", "", 1); err == nil {
		t.Error("truncated output accepted")
	}
}

func FuzzParseBatch(f *testing.F) {
	f.Add("@@n-begin 0\nx\n@@n-end 0 0\n@@n-begin 1\n\n@@n-end 1 2\n", "@@n-begin 1\nerr\n@@n-end 1\n", 2)
	f.Add("@@n-end 0 0\n@@n-begin 0\n", "@@n-end 0\n@@n-begin 0", 1)
	f.Fuzz(func(t *testing.T, out, errOut string, n int) {
		if n < 0 || n > 64 {
			return
		}
		parseBatch("n", out, errOut, n)
	})
}

func TestNoticeWriterSplitsLines(t *testing.T) {
	var got []string
	var buf strings.Builder
	w := &noticeWriter{buf: nil, fn: func(s string) { got = append(got, s) }, stats: &Stats{}}
	w.buf = new(bytes.Buffer)
	w.Write([]byte("clawrun-notice: wait"))
	w.Write([]byte("ing for x\nplain\nclawrun-pids: 7\n"))
	buf.WriteString(w.buf.String())
	if len(got) != 1 || got[0] != "waiting for x" || buf.String() != "plain\n" || w.stats.Processes != 7 {
		t.Errorf("notices %q, stderr %q", got, buf.String())
	}
}
