package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestSavedPlan: plan --out then apply FILE applies exactly the plan; a host
// changed by hand in between is refused with the task named while the
// others apply; a changed playbook is refused; no secret in the file.
func TestSavedPlan(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "rm -rf /etc/clawsaved")
	dir := t.TempDir()
	pb, _ := os.ReadFile("testdata/saved.hcl")
	writeFile(t, dir, "saved.hcl", string(pb))
	env := []string{"CLAWRUN_VAR_token=" + secret}
	for _, h := range tb.Hosts {
		tb.MustSSH(t, h, "rm -rf /etc/clawsaved; mkdir -p /etc/clawsaved; echo original > /etc/clawsaved/motd")
	}
	planFile := filepath.Join(dir, "plan.json")
	r := clawrun(t, dir, env, "plan", "saved.hcl", "-i", tb.Inventory, "--out", planFile, "--format", "markdown")
	if r.Code != 0 {
		t.Fatalf("plan: %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	st, err := os.Stat(planFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("plan file %v mode %v", err, st)
	}
	saved, _ := os.ReadFile(planFile)
	if strings.Contains(string(saved), secret) || strings.Contains(r.Stdout, secret) {
		t.Fatal("secret in the plan file or markdown")
	}
	// Markdown: the identical change is shown once, naming all hosts.
	if strings.Count(r.Stdout, "file.motd") != 1 || !strings.Contains(r.Stdout, fmt.Sprintf("all %d hosts", len(tb.Hosts))) {
		t.Errorf("markdown does not group identical changes:\n%s", r.Stdout)
	}
	// h2 changes by hand after the plan.
	tb.MustSSH(t, "h2", "echo edited-by-hand > /etc/clawsaved/motd")
	r = clawrun(t, dir, env, "apply", planFile, "--format", "json")
	if r.Code != 1 {
		t.Fatalf("apply with a drifted host: exit %d, want 1\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if !strings.Contains(r.Stdout, `"error":"task file.motd drifted since the plan`) || !strings.Contains(r.Stdout, `"host":"h2"`) {
		t.Errorf("drift not reported with the task:\n%s", r.Stdout)
	}
	if strings.Contains(r.Stdout, secret) {
		t.Error("secret in json output")
	}
	expect(t, "h2", tb.MustSSH(t, "h2", "cat /etc/clawsaved/motd; test -e /etc/clawsaved/token || echo no-token"), "edited-by-hand\nno-token")
	for _, h := range []string{"h1", "h3"} {
		expect(t, h, tb.MustSSH(t, h, "cat /etc/clawsaved/motd /etc/clawsaved/token"), "planned motd\ntoken="+secret)
	}
	// A changed playbook is refused as a whole.
	r = clawrun(t, dir, nil, "plan", "saved.hcl", "-i", tb.Inventory, "--out", planFile)
	writeFile(t, dir, "saved.hcl", string(pb)+"\n# edited\n")
	r = clawrun(t, dir, env, "apply", planFile)
	if r.Code != 1 || !strings.Contains(r.Stderr, "changed since the plan was made") {
		t.Errorf("changed playbook: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}

// TestJSONEvents: every line parses, one task event per task per host,
// run_done carries the recap.
func TestJSONEvents(t *testing.T) {
	tb := testbed.Get(t)
	r := clawrun(t, "testdata", nil, "plan", "command.hcl", "-i", tb.Inventory, "--format", "json")
	evs := events(t, r.Stdout)
	per := map[string]int{}
	for _, e := range evs {
		if e.Type == "task" {
			per[e.Host+" "+e.Task]++
		}
	}
	for _, h := range tb.Hosts {
		for _, task := range []string{"command.creates", "command.unless"} {
			if per[h+" "+task] != 1 {
				t.Errorf("%s %s: %d task events", h, task, per[h+" "+task])
			}
		}
	}
	if len(recap(t, evs)) != len(tb.Hosts) || evs[0].Type != "run_start" {
		t.Errorf("run_start/run_done missing: %v", evs)
	}
}
