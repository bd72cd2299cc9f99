package playbooks

import (
	"testing"
)

// TestUsesFactsFromTraversals decides fact gathering from what
// expressions and rendered templates reference, whatever the files are
// called and whether the word "facts" appears elsewhere.
func TestUsesFactsFromTraversals(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		task  string
		want  bool
	}{
		{"no host reference", nil, `task "file" "a" { path = "/a" }`, false},
		{"word facts in a string", nil, `task "file" "a" {
  path    = "/a"
  content = "facts: none, host.facts"
}`, false},
		{"host.name only", nil, `task "file" "a" {
  path    = "/a"
  content = host.name
}`, false},
		{"host.facts in content", nil, `task "file" "a" {
  path    = "/a"
  content = host.facts.os_id
}`, true},
		{"host.facts in when", nil, `task "file" "a" {
  path = "/a"
  when = host.facts.arch == "amd64"
}`, true},
		{"host indexed by facts", nil, `task "file" "a" {
  path    = "/a"
  content = host["facts"].os_id
}`, true},
		{"host passed whole", nil, `task "file" "a" {
  path    = "/a"
  content = jsonencode(host)
}`, true},
		{"template named .conf reads facts", map[string]string{"app.conf": "os=${host.facts.os_id}\n"},
			`task "template" "a" {
  source = "app.conf"
  path   = "/a"
}`, true},
		{"template in another dir without facts", map[string]string{"app.conf": "facts are ${host.name}\n"},
			`task "template" "a" {
  source = "app.conf"
  path   = "/a"
}`, false},
		{"template path computed", map[string]string{"app.conf": "x\n"},
			`task "template" "a" {
  source = "${var.x}.conf"
  path   = "/a"
}`, true},
		{"templatefile reading facts via vars", map[string]string{"x.txt": "${f.os_id}\n"},
			`task "file" "a" {
  path    = "/a"
  content = templatefile("x.txt", { f = host.facts })
}`, true},
		{"templatefile template nested", map[string]string{"outer.txt": "${templatefile(\"inner.txt\", {})}", "inner.txt": "${host.facts.os_id}"},
			`task "file" "a" {
  path    = "/a"
  content = templatefile("outer.txt", {})
}`, true},
		{"locals read facts", nil, `locals { os = host.facts.os_id }
task "file" "a" { path = "/a" }`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, s := range c.files {
				write(t, dir, n, s)
			}
			// a template beside the playbook that mentions facts but is
			// never rendered must not count
			write(t, dir, "unused.tmpl", "${host.facts.os_id}\n")
			pb, diags := Load(write(t, dir, "p.hcl", c.task))
			if pb == nil {
				t.Fatalf("load: %s", diags)
			}
			if pb.UsesFacts != c.want {
				t.Errorf("UsesFacts = %v, want %v", pb.UsesFacts, c.want)
			}
		})
	}
}
