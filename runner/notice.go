package runner

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
)

// noticePrefix marks stderr lines a remote script wants shown while it
// runs (e.g. "waiting for the package lock held by ...").
const noticePrefix = "clawrun-notice: "

type noticeKey struct{}

// withNotice attaches a callback for notice lines to ctx.
func withNotice(ctx context.Context, fn func(string)) context.Context {
	return context.WithValue(ctx, noticeKey{}, fn)
}

// stderrWriter collects stderr and forwards notice lines as they arrive.
func stderrWriter(ctx context.Context, buf *bytes.Buffer) io.Writer {
	fn, _ := ctx.Value(noticeKey{}).(func(string))
	if fn == nil {
		return buf
	}
	return &noticeWriter{buf: buf, fn: fn}
}

type noticeWriter struct {
	mu      sync.Mutex
	buf     *bytes.Buffer
	pending []byte
	fn      func(string)
}

func (w *noticeWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(w.pending, p...)
	for {
		i := bytes.IndexByte(w.pending, '\n')
		if i < 0 {
			break
		}
		line := string(w.pending[:i])
		w.pending = w.pending[i+1:]
		if msg, ok := strings.CutPrefix(line, noticePrefix); ok {
			w.fn(msg)
			continue
		}
		w.buf.WriteString(line + "\n")
	}
	return len(p), nil
}
