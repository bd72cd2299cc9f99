package transport

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"time"
)

// TestMarkScanBoundedAndLinear: 200 MB of host output before the marker,
// in the 32 KiB chunks the pump delivers, keeps at most maxStdout, finds
// the marker and takes linear time (the old loop searched the whole
// buffer for every chunk: quadratic, and kept every byte three times).
func TestMarkScanBoundedAndLinear(t *testing.T) {
	const total = 200 << 20
	chunk := bytes.Repeat([]byte("a"), 32<<10)
	sc := &markScan{mark: []byte("@@0123456789abcdef ")}
	out := &capped{max: maxStdout}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	for n := 0; n < total; n += len(chunk) {
		b, _, done := sc.feed(chunk)
		out.Write(b)
		if done {
			t.Fatal("marker found in plain output")
		}
		// Each feed scans what is pending plus the chunk: with pending
		// bounded by the marker's length, the work is linear.
		if len(sc.pending) >= len(sc.mark) {
			t.Fatalf("%d bytes pending after %d MB", len(sc.pending), n>>20)
		}
	}
	// The marker split across two chunks.
	b, _, done := sc.feed([]byte("tail@@0123456"))
	out.Write(b)
	b, text, done := sc.feed([]byte("789abcdef 3\nafter"))
	out.Write(b)
	elapsed := time.Since(start)
	var after runtime.MemStats
	runtime.GC() // what stays live, not garbage awaiting collection
	runtime.ReadMemStats(&after)
	if !done || string(text) != "3" {
		t.Fatalf("marker not found: %v %q", done, text)
	}
	if len(out.buf) != maxStdout || out.dropped != total+4-maxStdout {
		t.Errorf("kept %d, dropped %d", len(out.buf), out.dropped)
	}
	if grown := int64(after.HeapInuse) - int64(before.HeapInuse); grown > maxStdout*5/4+(1<<20) {
		t.Errorf("heap grew by %d MB for 200 MB of output", grown>>20)
	}
	t.Logf("200 MB scanned in %s; heap in use %d MB -> %d MB", elapsed.Round(time.Millisecond), before.HeapInuse>>20, after.HeapInuse>>20)
	runtime.KeepAlive(out)
	if elapsed > 60*time.Second { // -race on a busy machine: 6 s; the old loop: minutes
		t.Errorf("200 MB took %s", elapsed)
	}
}

// TestLocalRunOutputLimit: a script printing more than maxStdout fails
// with ErrOutputLimit instead of being kept whole.
func TestLocalRunOutputLimit(t *testing.T) {
	c := &Local{}
	_, err := c.Run(context.Background(), "head -c 70000000 /dev/zero", false)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("more than 64 MiB")) {
		t.Fatalf("want the output limit, got %v", err)
	}
}

func TestNoticeWriterBounded(t *testing.T) {
	var buf bytes.Buffer
	w := stderrWriter(context.Background(), &buf, nil).(*noticeWriter)
	line := bytes.Repeat([]byte("x"), 1<<20)
	for i := 0; i < 20; i++ {
		w.Write(line)
	}
	w.flush()
	if buf.Len() > maxStderr+(64<<10)+2 || len(w.pending) > 0 {
		t.Errorf("kept %d bytes of stderr", buf.Len())
	}
}
