package playbooks

import (
	"os"
	"path/filepath"
	"regexp"
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
	re, err := regexp.Compile(`\b` + regexp.QuoteMeta(name) + `\b`)
	if err != nil {
		return true
	}
	if re.Match(pb.Source) {
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
