package modules_test

import (
	"strings"
	"testing"

	"github.com/clawrun/clawrun/modules"
)

// After a repository change the simulation ran against the old lists: the
// plan must not name a version from them, and latest/upgrade must act in
// the same run (the new lists may have newer versions).
func TestAptPlanAfterRepoChange(t *testing.T) {
	stamp := "repo_changed=yes\n"
	oldSim := "sim Inst hello (2.10-3 Debian:12/stable [amd64])\n"
	for _, c := range []struct {
		name, hcl, probe string
		want             []string // plan lines, in order
		wantSteps        []string
		notInDiff        string
	}{
		{"present, not installed: no old version named", `task "apt" "p" { packages = ["hello"] }`,
			stamp + oldSim,
			[]string{"~ update package lists (an apt repository changed)", "+ hello (version from the updated lists)"},
			[]string{"apt-get update", "apt-get install"}, "2.10-3"},
		{"latest, installed, old lists have nothing newer: still upgraded", `task "apt" "p" {
  packages = ["hello"]
  state    = "latest"
}`,
			stamp + "pkg hello ii 2.10-3\n",
			[]string{"~ update package lists (an apt repository changed)", "~ hello 2.10-3 -> (latest from the updated lists)"},
			[]string{"apt-get update", "apt-get install"}, ""},
		{"upgrade safe: upgrade runs after the update", `task "apt" "p" { upgrade = "safe" }`,
			stamp,
			[]string{"~ update package lists (an apt repository changed)", "~ upgrade: packages from the updated lists"},
			[]string{"apt-get update", "apt-get upgrade"}, ""},
		{"no repository change: the simulated version", `task "apt" "p" { packages = ["hello"] }`,
			oldSim,
			[]string{"+ hello 2.10-3"},
			[]string{"apt-get install"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			apt, diags := loadRepoTask(t, c.hcl)
			if diags != "" {
				t.Fatal(diags)
			}
			p, err := apt.Plan(&modules.Host{}, c.probe)
			if err != nil {
				t.Fatal(err)
			}
			var lines, steps []string
			for _, l := range p.Lines {
				lines = append(lines, l.Sign+" "+l.Text)
			}
			for _, s := range p.Steps {
				steps = append(steps, s.Desc)
			}
			if strings.Join(lines, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(c.want, "\n"))
			}
			if strings.Join(steps, ",") != strings.Join(c.wantSteps, ",") {
				t.Errorf("steps %v, want %v", steps, c.wantSteps)
			}
			if c.notInDiff != "" && strings.Contains(p.Diff, c.notInDiff) {
				t.Errorf("diff names a version from the old lists:\n%s", p.Diff)
			}
		})
	}
}
