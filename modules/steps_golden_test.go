package modules_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/modules"
	"golang.org/x/tools/txtar"
)

// TestStepScripts: for every golden case, the exact scripts its steps run
// on the host (testdata/steps/<case>.sh), not only their descriptions: a
// change to what reaches the host's shell shows in review. Regenerate with
// go test ./modules/ -run TestStepScripts -update.
func TestStepScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.txtar")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			sec := map[string]string{}
			for _, f := range ar.Files {
				sec[f.Name] = string(f.Data)
			}
			mod := decodeTask(t, sec["task.hcl"])
			host := &modules.Host{Name: "h1", SSHPort: 22, SSHClient: "10.66.0.1", User: "admin",
				Facts: modules.Facts{OSID: "debian", OSVersion: "12"}}
			got := renderSteps(mod, host, sec["probe"])
			path := filepath.Join("testdata/steps", name+".sh")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (new golden case: go test ./modules/ -run TestStepScripts -update)", err)
			}
			if got != string(want) {
				t.Errorf("step scripts differ from %s (-update to accept):\n%s", path, got)
			}
		})
	}
}

// renderSteps prints the probe script and each step's script.
func renderSteps(mod modules.Module, host *modules.Host, probe string) string {
	var b strings.Builder
	if fp, ok := mod.(modules.FileProber); ok {
		p, want := fp.FileProbe()
		fmt.Fprintf(&b, "# probe (batched with the host's other file probes)\n%s\n", modules.BatchFileProbe([]modules.FileSpec{{Path: p, Want: want}}))
	} else {
		fmt.Fprintf(&b, "# probe\n%s\n", mod.Probe())
	}
	p, err := mod.Plan(host, probe)
	if err != nil {
		fmt.Fprintf(&b, "# plan error: %v\n", err)
		return b.String()
	}
	if len(p.Steps) == 0 {
		b.WriteString("# no steps\n")
	}
	for i, s := range p.Steps {
		fmt.Fprintf(&b, "# step %d: %s\n%s\n", i+1, s.Desc, s.Script)
		if s.Upload != nil {
			fmt.Fprintf(&b, "# (uploads %d bytes to the staged path)\n", len(s.Upload))
		}
	}
	return b.String()
}
