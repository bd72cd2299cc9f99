package transport

import (
	"bytes"
	"fmt"
)

// A host decides how much it prints. What is kept of one script's output
// is bounded, and markers are found by scanning each chunk once (plus a
// marker's length of the one before), so a host printing hundreds of
// megabytes costs the controller bounded memory and linear time.
const (
	maxStdout = 64 << 20 // probes of file content (16 MiB each, in base64) fit
	maxStderr = 1 << 20
)

// ErrOutputLimit is wrapped by the error of a script whose stdout went
// over maxStdout.
var ErrOutputLimit = fmt.Errorf("the host printed more than %d MiB for one script", maxStdout>>20)

// markScan finds a marker line ("<mark><text>\n") in a stream of chunks.
type markScan struct {
	mark    []byte
	pending []byte // bytes that may be the start of the marker
}

// feed takes the next chunk. It returns the bytes known to come before the
// marker, and once the marker's line is complete, its text and done.
func (m *markScan) feed(b []byte) (before, text []byte, done bool) {
	data := append(m.pending, b...)
	if i := bytes.Index(data, m.mark); i >= 0 {
		after := data[i+len(m.mark):]
		if j := bytes.IndexByte(after, '\n'); j >= 0 {
			m.pending = nil
			return data[:i], after[:j], true
		}
		m.pending = append([]byte(nil), data[i:]...)
		return data[:i], nil, false
	}
	keep := min(len(data), len(m.mark)-1)
	m.pending = append([]byte(nil), data[len(data)-keep:]...)
	return data[:len(data)-keep], nil, false
}

// rest is what is left when the stream ends without the marker.
func (m *markScan) rest() []byte { return m.pending }

// capped keeps the first max bytes written to it and counts the rest. A
// plain slice: append grows large slices by a quarter, where a
// bytes.Buffer would double to twice the limit.
type capped struct {
	buf     []byte
	max     int
	dropped int64
}

func (c *capped) Write(p []byte) (int, error) {
	n := len(p)
	if room := c.max - len(c.buf); room < len(p) {
		c.dropped += int64(len(p) - max(room, 0))
		p = p[:max(room, 0)]
	}
	c.buf = append(c.buf, p...)
	return n, nil
}

// overflow is the error for output over the limit, nil within it.
func (c *capped) overflow() error {
	if c.dropped == 0 {
		return nil
	}
	return fmt.Errorf("%w (%d bytes; the rest was dropped): a task printed far more than clawrun reads", ErrOutputLimit, int64(len(c.buf))+c.dropped)
}
