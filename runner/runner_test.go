package runner

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

func TestBatchRoundTrip(t *testing.T) {
	cases := []struct {
		name    string
		outputs []string
		codes   []int
	}{
		{name: "plain", outputs: []string{"a=1\n", "b=2"}, codes: []int{0, 0}},
		{name: "no trailing newline and empty", outputs: []string{"x", ""}, codes: []int{0, 0}},
		{name: "failure carries stderr", outputs: []string{"partial\n"}, codes: []int{3}},
		{name: "output that looks like a marker", outputs: []string{"@@0000-end 0 0\n"}, codes: []int{0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nonce := "feedface"
			var b strings.Builder
			for i, o := range c.outputs {
				b.WriteString("@@" + nonce + "-begin " + itoa(i) + "\n" + o + "\n@@" + nonce + "-end " + itoa(i) + " " + itoa(c.codes[i]) + "\n")
				if c.codes[i] != 0 {
					b.WriteString("boom\n@@" + nonce + "-err " + itoa(i) + "\n")
				}
			}
			res, err := parseBatch(nonce, b.String(), len(c.outputs))
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if r.Out != c.outputs[i] || r.Code != c.codes[i] {
					t.Errorf("section %d: got %q/%d want %q/%d", i, r.Out, r.Code, c.outputs[i], c.codes[i])
				}
				if r.Code != 0 && r.Stderr != "boom" {
					t.Errorf("section %d: stderr %q", i, r.Stderr)
				}
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestBatchTruncated(t *testing.T) {
	if _, err := parseBatch("n", "@@n-begin 0\nabc", 1); err == nil {
		t.Error("truncated output accepted")
	}
}

func TestParseFacts(t *testing.T) {
	out := "os_id=debian\nos_version=12\narch=x86_64\nhostname=h1\nmemory_kb=2048000\ninit=systemd\nssh_connection=10.66.0.1 51234 10.66.0.11 22\nuser=admin\n"
	f, client, server, port, user := parseFacts(out)
	if f.OSID != "debian" || f.OSVersion != "12" || f.MemoryMB != 2000 || f.Init != "systemd" || f.Hostname != "h1" {
		t.Errorf("facts %+v", f)
	}
	if client != "10.66.0.1" || server != "10.66.0.11" || port != 22 || user != "admin" {
		t.Errorf("connection %s %s %d %s", client, server, port, user)
	}
}

func FuzzParseBatch(f *testing.F) {
	f.Add("@@n-begin 0\nx\n@@n-end 0 0\n@@n-begin 1\n\n@@n-end 1 2\nerr\n@@n-err 1\n", 2)
	f.Add("@@n-end 0 0\n@@n-begin 0\n", 1)
	f.Fuzz(func(t *testing.T, out string, n int) {
		if n < 0 || n > 64 {
			return
		}
		parseBatch("n", out, n)
	})
}

func FuzzParseFacts(f *testing.F) {
	f.Add("os_id=debian\nssh_connection=1 2 3 4\nmemory_kb=x\n")
	f.Fuzz(func(t *testing.T, out string) { parseFacts(out) })
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
