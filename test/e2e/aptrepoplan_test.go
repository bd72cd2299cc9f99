package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestAptRepositoryPlanAfterChange: after a repository change the apt
// task's simulation ran against the old lists, so plan named the old
// version (and latest needed two runs). Now the plan names no version it
// cannot know, and one apply updates the lists and installs the new one.
func TestAptRepositoryPlanAfterChange(t *testing.T) {
	tb := testbed.Get(t)
	h := tb.Hosts[len(tb.Hosts)-1]
	pkg := func(v string) []testbed.Package {
		return []testbed.Package{{Name: "clawrun-testpkg", Version: v, Files: map[string]string{"/usr/bin/clawrun-testpkg": "#!/bin/sh\necho testpkg " + v + "\n"}}}
	}
	old := tb.SignedRepo(t, testbed.RepoSpec{Name: "clawrun-test", Packages: pkg("1.2")})
	v9 := tb.SignedRepo(t, testbed.RepoSpec{Name: "clawrun-test-v9", Packages: pkg("9.0")})
	v10 := tb.SignedRepo(t, testbed.RepoSpec{Name: "clawrun-test-v10", Packages: pkg("10.0")})
	cleanupRepo(t, tb, h)
	dir := t.TempDir()
	for name, r := range map[string]*testbed.SignedRepo{"old": old, "v9": v9, "v10": v10} {
		b, err := os.ReadFile(r.KeyFile)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name+".asc"), b, 0o644)
	}
	pb := filepath.Join(dir, "p.hcl")
	os.WriteFile(pb, []byte(`
variable "uri" { type = string }
variable "fingerprint" { type = string }
variable "key_file" { type = string }
variable "pkg_state" {
  type    = string
  default = "present"
}
task "apt_repository" "test" {
  name        = "clawrun-test"
  uris        = [var.uri]
  suites      = ["stable"]
  components  = ["main"]
  key_file    = var.key_file
  fingerprint = var.fingerprint
}
task "apt" "pkg" {
  packages = ["clawrun-testpkg"]
  state    = var.pkg_state
}
`), 0o644)
	vars := func(r *testbed.SignedRepo, key, state string) []string {
		return []string{"--limit", h, "--var", "uri=" + r.URL, "--var", "fingerprint=" + r.Fingerprint, "--var", "key_file=" + key, "--var", "pkg_state=" + state}
	}
	// The host's lists know clawrun-testpkg 1.2 (not installed).
	converge(t, tb, pb, vars(old, "old.asc", "present")...)
	tb.MustSSH(t, h, "dpkg -P clawrun-testpkg >/dev/null && apt-cache policy clawrun-testpkg | grep -q 'Candidate: 1.2'")

	for _, c := range []struct {
		name, key, state, want, version string
		r                               *testbed.SignedRepo
	}{
		{"present: new repository has 9.0", "v9.asc", "present", "+ clawrun-testpkg (version from the updated lists)", "9.0", v9},
		{"latest: new repository has 10.0, one run", "v10.asc", "latest", "~ clawrun-testpkg 9.0 -> (latest from the updated lists)", "10.0", v10},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"plan", pb, "-i", tb.Inventory, "--format", "json"}, vars(c.r, c.key, c.state)...)
			plan := clawrun(t, "testdata", nil, args...)
			if plan.Code != 0 {
				t.Fatalf("plan exit %d\n%s%s", plan.Code, plan.Stdout, plan.Stderr)
			}
			lines := planLines(events(t, plan.Stdout), h, "apt.pkg")
			if !strings.Contains(lines, c.want) || strings.Contains(lines, "1.2") {
				t.Errorf("plan of the apt task:\n%swant %q and no version from the old lists", lines, c.want)
			}
			converge(t, tb, pb, vars(c.r, c.key, c.state)...)
			expect(t, h, tb.MustSSH(t, h, "dpkg-query -W -f='${Version}' clawrun-testpkg"), c.version)
		})
	}
}
