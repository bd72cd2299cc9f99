package runner

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/modules"
)

// TestStepDescriptionIsNotShell: a failing step's description (which
// holds playbook paths) is printed, never evaluated.
func TestStepDescriptionIsNotShell(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "pwned")
	for _, p := range []string{"$(P)", "`P`", "\";P;\"", "';P;'", "%s%n\nP\n", "-P"} {
		desc := "write /x/" + strings.ReplaceAll(p, "P", "echo x >"+marker)
		cmd := exec.Command("/bin/sh", "-s")
		cmd.Stdin = strings.NewReader(stepScript("step", 0, modules.Step{Desc: desc, Script: "false"}))
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("%q: the failed step did not fail the script", p)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("%q: the description ran as shell", p)
		}
		if want := "clawrun: step 1 (" + desc + ") failed\n"; string(out) != want {
			t.Errorf("%q: got %q, want %q", p, out, want)
		}
	}
}
