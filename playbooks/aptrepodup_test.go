package playbooks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAptRepositorySameName: two apt_repository tasks writing the same
// files are refused at validate time, naming the other task.
func TestAptRepositorySameName(t *testing.T) {
	repo := func(label, name string) string {
		return `task "apt_repository" "` + label + `" {
  name        = "` + name + `"
  uris        = ["https://example.com/debian"]
  suites      = ["stable"]
  components  = ["main"]
  key_url     = "https://example.com/key.asc"
  fingerprint = "3116709A850AA3FAA49888B82714F0E4624EAFC5"
}
`
	}
	for _, c := range []struct{ name, src, want string }{
		{"same name", repo("a", "x") + repo("b", "x"), `apt_repository "x" is also managed by apt_repository.a`},
		{"other names", repo("a", "x") + repo("b", "y"), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			pbFile := filepath.Join(t.TempDir(), "pb.hcl")
			os.WriteFile(pbFile, []byte(c.src), 0o644)
			p, diags := Load(pbFile)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			vars, diags := p.ResolveVars(Inputs{}, false)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			got := p.Check(vars, nil, &Secrets{}).Error()
			if c.want == "" && got != "no diagnostics" && got != "" || !strings.Contains(got, c.want) {
				t.Errorf("diagnostics %q, want %q", got, c.want)
			}
		})
	}
}
