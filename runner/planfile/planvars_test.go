package planfile

import (
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// A saved plan records each host's non-sensitive variable values; apply
// refuses the plan when one differs (a value equal to the default
// replacing the inventory's would pass the global check).
func TestPlanHostVarsDigest(t *testing.T) {
	global := map[string]cty.Value{"admin_cidr": cty.StringVal("any")}
	planned := map[string]map[string]cty.Value{"h1": {"admin_cidr": cty.StringVal("10.66.2.0/24")}}
	at := func(m map[string]map[string]cty.Value) func(string) map[string]cty.Value {
		return func(h string) map[string]cty.Value {
			if v, ok := m[h]; ok {
				return v
			}
			return global
		}
	}
	pf := &File{key: []byte("k")}
	pf.SetHostVars([]string{"h1", "h2"}, at(planned))
	cases := []struct {
		name  string
		hosts []string
		vals  map[string]map[string]cty.Value
		ok    bool
	}{
		{"same", []string{"h1", "h2"}, planned, true},
		{"inventory value replaced by default", []string{"h1", "h2"}, nil, false},
		{"secret changed only", []string{"h1"}, map[string]map[string]cty.Value{"h1": {"admin_cidr": cty.StringVal("10.66.2.0/24"), "tok": cty.StringVal("x").Mark("sensitive")}}, true},
		{"host not planned", []string{"h3"}, planned, false},
	}
	if err := (&File{key: []byte("k")}).CheckHostVars([]string{"h1"}, at(planned)); err == nil {
		t.Fatal("a plan without per-host digests was accepted")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := pf.CheckHostVars(c.hosts, at(c.vals))
			if (err == nil) != c.ok {
				t.Fatalf("CheckHostVars = %v, want ok=%v", err, c.ok)
			}
		})
	}
}
