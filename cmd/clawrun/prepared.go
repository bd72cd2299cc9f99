package main

import (
	"github.com/clawrun/clawrun/playbooks"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

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
