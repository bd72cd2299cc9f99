package runner

import (
	"encoding/json"
	"io"

	"github.com/clawrun/clawrun/playbooks"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// JSONRenderer prints one JSON object per event (NDJSON).
type JSONRenderer struct {
	W io.Writer
}

// Event writes e as one line.
func (j *JSONRenderer) Event(e *Event) {
	b, _ := json.Marshal(e)
	j.W.Write(append(b, '\n'))
}

// Close writes nothing more.
func (j *JSONRenderer) Close() error { return nil }

// FormatValue renders a cty value as JSON text.
func FormatValue(v cty.Value) string {
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return v.GoString()
	}
	return string(b)
}

// Prepared is what the command line checked before the run.
type Prepared struct {
	Vars map[string]cty.Value
	// HostVars are per-host variable values set by inventory vars.
	HostVars map[string]map[string]cty.Value
	// Pinned names variables set above the inventory (a saved plan keeps
	// only those, so apply gives inventory vars the same place).
	Pinned  map[string]bool
	Secrets *playbooks.Secrets
}

// For returns the variable values host sees.
func (p *Prepared) For(host string) map[string]cty.Value {
	if v, ok := p.HostVars[host]; ok {
		return v
	}
	return p.Vars
}
