package transport

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// noticePrefix marks stderr lines a remote script wants shown while it
// runs (e.g. "waiting for the package lock held by ...").
const noticePrefix = "clawrun-notice: "

type noticeKey struct{}

// WithNotice attaches a callback for notice lines to ctx.
func WithNotice(ctx context.Context, fn func(string)) context.Context {
	return context.WithValue(ctx, noticeKey{}, fn)
}

// stderrWriter collects stderr, forwards notice lines as they arrive and
// counts the processes a script reports.
func stderrWriter(ctx context.Context, buf *bytes.Buffer, st *Stats) io.Writer {
	fn, _ := ctx.Value(noticeKey{}).(func(string))
	return &noticeWriter{buf: buf, fn: fn, stats: st}
}

type noticeWriter struct {
	mu      sync.Mutex
	buf     *bytes.Buffer
	pending []byte
	fn      func(string)
	stats   *Stats
}

func (w *noticeWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(w.pending, p...)
	for {
		i := bytes.IndexByte(w.pending, '\n')
		var line string
		switch {
		case i >= 0:
			line, w.pending = string(w.pending[:i]), w.pending[i+1:]
		case len(w.pending) > 64<<10:
			// No notice is that long: keep it as a line of its own
			// instead of growing without bound.
			line, w.pending = string(w.pending), nil
		}
		if i < 0 && line == "" {
			break
		}
		if msg, ok := strings.CutPrefix(line, noticePrefix); ok && w.fn != nil {
			w.fn(msg)
			continue
		}
		if n, ok := strings.CutPrefix(line, pidsPrefix); ok {
			if v, err := strconv.ParseInt(n, 10, 64); err == nil && v > 0 && w.stats != nil {
				atomic.AddInt64(&w.stats.Processes, v)
			}
			continue
		}
		if w.buf.Len() < maxStderr {
			w.buf.WriteString(line + "\n")
		}
	}
	return len(p), nil
}

// flush keeps a last line without newline.
func (w *noticeWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) > 0 {
		w.buf.Write(w.pending)
		w.pending = nil
	}
}
