package modules_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/playbooks"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the plan section of golden files")

// TestGolden runs each testdata/golden/*.txtar case: the task in task.hcl,
// decoded as a playbook would, planned against the captured probe output in
// probe; the result must equal the plan section. Regenerate with -update.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.txtar")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
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
			got := render(mod.Plan(host, sec["probe"]))
			if *update {
				for i, f := range ar.Files {
					if f.Name == "plan" {
						ar.Files[i].Data = []byte(got)
					}
				}
				os.WriteFile(file, txtar.Format(ar), 0o644)
				return
			}
			if got != sec["plan"] {
				t.Errorf("plan differs (run with -update to accept):\n--- got\n%s--- want\n%s", got, sec["plan"])
			}
		})
	}
}

// decodeTask loads one task through the playbook loader, as the CLI does.
func decodeTask(t *testing.T, src string) modules.Module {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "files.tmpl"), []byte("name = ${host.name}\n"), 0o644)
	pbFile := filepath.Join(dir, "task.hcl")
	os.WriteFile(pbFile, []byte(src), 0o644)
	pb, diags := playbooks.Load(pbFile)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	vars, diags := pb.ResolveVars(playbooks.Inputs{}, true)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	scope, diags := pb.NewScope(vars, playbooks.HostValue("h1", "10.66.0.11", []string{"all"}, nil, &modules.Facts{OSID: "debian"}), nil, &playbooks.Secrets{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	tasks, diags := scope.Instantiate(pb.Tasks[0])
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return tasks[0].Module
}

// render prints a plan as the golden files hold it.
func render(p *modules.Plan, err error) string {
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	var b strings.Builder
	if !p.Changed() {
		b.WriteString("no change\n")
	}
	for _, l := range p.Lines {
		fmt.Fprintf(&b, "%s %s\n", l.Sign, l.Text)
	}
	if p.Diff != "" {
		b.WriteString("diff:\n" + p.Diff)
	}
	for _, s := range p.Steps {
		fmt.Fprintf(&b, "step: %s\n", s.Desc)
	}
	for _, s := range p.Checks {
		fmt.Fprintf(&b, "check: %s\n", s.Desc)
	}
	return b.String()
}
