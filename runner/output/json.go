package output

import (
	"encoding/json"
	"io"

	"github.com/clawrun/clawrun/runner/event"
)

// JSONRenderer prints one JSON object per event (NDJSON).
type JSONRenderer struct {
	W io.Writer
}

// Event writes e as one line.
func (j *JSONRenderer) Event(e *event.Event) {
	b, _ := json.Marshal(e)
	j.W.Write(append(b, '\n'))
}

// Close writes nothing more.
func (j *JSONRenderer) Close() error { return nil }
