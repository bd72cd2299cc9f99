package playbooks

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
)

// ReadsName reports whether the playbook declares a variable called name,
// or its text or the templates beside it mention name as a word (as
// host.vars.name, host.vars["name"] or lookup(host.vars, "name", ...)).
// A word match is generous on purpose: the warning it feeds must not cry
// wolf about a var a template reads.
func (pb *Playbook) ReadsName(name string) bool {
	for _, v := range pb.Variables {
		if v.Name == name {
			return true
		}
	}
	for _, u := range pb.Units {
		for _, v := range u.Variables {
			if v.Name == name && !slices.Contains(u.Sets, name) {
				return true // the included file's variable takes it
			}
		}
	}
	re, err := regexp.Compile(`\b` + regexp.QuoteMeta(name) + `\b`)
	if err != nil {
		return true
	}
	// An included file's declaration, its var.<name> references and
	// vars = { <name> = ... } keys do not read the inventory var (the
	// loop above covers the variable): only what is left counts.
	own := regexp.MustCompile(`variable\s+"` + regexp.QuoteMeta(name) + `"|\bvar\.` + regexp.QuoteMeta(name) + `\b|\b` + regexp.QuoteMeta(name) + `\s*=[^=]`)
	if re.Match(own.ReplaceAll(pb.Source, nil)) {
		return true
	}
	for _, pat := range []string{"*.tmpl", "*.tpl", "templates/*", "files/*"} {
		m, _ := filepath.Glob(filepath.Join(pb.Dir, pat))
		for _, f := range m {
			if b, err := os.ReadFile(f); err == nil && re.Match(b) {
				return true
			}
		}
	}
	return false
}
