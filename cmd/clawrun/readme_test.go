package main

import (
	"os"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/modules"
)

// TestReadmeAndDocInStep: every module has a README section naming each
// attribute `clawrun doc` lists (both come from the decoder's schema), and
// the README documents no module the binary lacks.
func TestReadmeAndDocInStep(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	mods := readme[strings.Index(readme, "\n## Modules"):]
	mods = mods[:strings.Index(mods[1:], "\n## ")+1]
	sections := map[string]string{}
	for _, part := range strings.Split(mods, "\n### ")[1:] {
		name, body, _ := strings.Cut(part, "\n")
		sections[strings.TrimSpace(name)] = body
	}
	for _, name := range modules.Names() {
		body, ok := sections[name]
		if !ok {
			t.Errorf("README has no section ### %s", name)
			continue
		}
		for _, a := range modules.Schema(name) {
			if !strings.Contains(body, "`"+a.Name+"`") {
				t.Errorf("README ### %s does not mention `%s`", name, a.Name)
			}
			for _, sub := range a.Block {
				if !strings.Contains(body, "`"+sub.Name+"`") {
					t.Errorf("README ### %s does not mention `%s` of %s blocks", name, sub.Name, a.Name)
				}
			}
		}
		doc := modules.DocText(name)
		for _, a := range modules.Schema(name) {
			if !strings.Contains(doc, a.Name) {
				t.Errorf("clawrun doc %s does not list %s", name, a.Name)
			}
		}
	}
	for name := range sections {
		if _, ok := modules.Registry[name]; !ok {
			t.Errorf("README documents module %s, which does not exist", name)
		}
	}
}
