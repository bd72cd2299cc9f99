package playbooks

import (
	"path/filepath"
	"testing"

	"github.com/clawrun/clawrun/modules"
)

// BenchmarkInstantiateVPS evaluates playbooks/vps.hcl for one host: what
// the runner does per host before its probe round trip.
func BenchmarkInstantiateVPS(b *testing.B) {
	pb, diags := Load(filepath.Join("vps.hcl"))
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	vars, _ := pb.ResolveVars(Inputs{}, true)
	host := HostValue("h1", "10.0.0.1", []string{"all", "vps"}, nil, &modules.Facts{OSID: "debian"})
	for b.Loop() {
		scope, _ := pb.NewScope(vars, host, nil, &Secrets{})
		for _, t := range pb.Tasks {
			scope.Instantiate(t)
		}
	}
}

func BenchmarkLoadVPS(b *testing.B) {
	// In place: vps.hcl includes parts/*.hcl.
	for b.Loop() {
		Parser = newParser()
		if _, d := Load("vps.hcl"); d.HasErrors() {
			b.Fatal(d)
		}
	}
}
