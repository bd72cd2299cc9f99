package modules

import (
	"slices"
	"sort"
	"testing"
)

// TestDocsMatchSchema: every attribute the decoder accepts is documented,
// and the docs name no attribute it does not accept.
func TestDocsMatchSchema(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			d, ok := Docs[name]
			if !ok || d.Summary == "" {
				t.Fatalf("module %s has no doc", name)
			}
			schema := AttrNames(Schema(name))
			for _, a := range schema {
				if d.Attrs[a][1] == "" {
					t.Errorf("attribute %s is undocumented", a)
				}
			}
			var documented []string
			for a := range d.Attrs {
				documented = append(documented, a)
			}
			sort.Strings(documented)
			for _, a := range documented {
				if !slices.Contains(schema, a) {
					t.Errorf("doc names %s, which the module does not accept", a)
				}
			}
		})
	}
	for name := range Docs {
		if _, ok := Registry[name]; !ok {
			t.Errorf("doc for unknown module %s", name)
		}
	}
}
