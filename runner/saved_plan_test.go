package runner

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/runner/event"
	"github.com/clawrun/clawrun/runner/planfile"
)

// Saved plans end to end (plan --out, then apply PLANFILE) on local hosts:
// exactly the plan is applied, or the host (or the whole plan) is refused
// and nothing changes.

const savedPlanBook = `
variable "greeting" {
  type    = string
  default = "hello"
}

task "file" "motd" {
  path    = "${var.root}/motd-${host.name}"
  content = "${var.greeting} ${host.name}\n"
}

task "file" "conf" {
  path    = "${var.root}/conf-${host.name}"
  source  = "conf.txt"
}

task "file" "id" {
  path    = "${var.root}/id-${host.name}"
  content = "id=${random_hex(8)}\n"
}
`

func savedPlanWorld(t *testing.T) *world {
	w := newWorld(t, savedPlanBook, localInventory("h1", "h2"))
	w.write("conf.txt", "conf v1\n")
	return w
}

// planOut saves a plan and returns its path.
func (w *world) planOut(o runOpts) string {
	w.t.Helper()
	o.out = filepath.Join(w.dir, "plan.json")
	res := w.plan(o)
	if res.code != 2 {
		w.t.Fatalf("plan exit %d, want 2 (changes pending)\n%s", res.code, res.text)
	}
	return o.out
}

func (w *world) applyPlan(file string) *outcome {
	w.t.Helper()
	return w.run(runOpts{apply: true, replay: file})
}

// TestSavedPlanApplies: apply PLANFILE does exactly the plan, replaying
// random_hex values the plan showed, and the file is private.
func TestSavedPlanApplies(t *testing.T) {
	w := savedPlanWorld(t)
	pf := w.planOut(runOpts{})
	if st, err := os.Stat(pf); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("plan file mode %v (%v), want 0600", st.Mode(), err)
	}
	raw, _ := os.ReadFile(pf)
	res := w.applyPlan(pf)
	if res.code != 0 || res.err != "" {
		t.Fatalf("apply of the plan: exit %d %s\n%s", res.code, res.err, res.text)
	}
	for _, h := range []string{"h1", "h2"} {
		if got := w.read("motd-" + h); got != "hello "+h+"\n" {
			t.Errorf("%s motd %q", h, got)
		}
		if got := w.read("conf-" + h); got != "conf v1\n" {
			t.Errorf("%s conf %q", h, got)
		}
		// The random value in the host's file is the one the plan recorded.
		id := strings.TrimSpace(strings.TrimPrefix(w.read("id-"+h), "id="))
		if len(id) != 8 || !strings.Contains(string(raw), `"`+id+`"`) {
			t.Errorf("%s: random_hex %q was not replayed from the plan file", h, id)
		}
	}
	if rc := res.recap["h1"]; rc.Changed != 3 || rc.Failed != 0 {
		t.Errorf("recap %+v", rc)
	}
	// Applied: a new plan has nothing left to do (except the new random).
	again := w.plan(runOpts{})
	if e := again.task("h1", "file.motd"); e == nil || e.Status != event.StatusOK {
		t.Errorf("motd after apply: %+v", e)
	}
}

// TestSavedPlanDrift: a host whose state changed since the plan is refused
// before anything changes on it; the other host applies.
func TestSavedPlanDrift(t *testing.T) {
	w := savedPlanWorld(t)
	pf := w.planOut(runOpts{})
	if err := os.WriteFile(w.path("motd-h2"), []byte("someone else\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := w.applyPlan(pf)
	if res.code != 1 {
		t.Errorf("exit %d, want 1", res.code)
	}
	e := res.task("h2", "plan")
	if e == nil || !strings.Contains(e.Error, "task file.motd drifted since the plan") {
		t.Errorf("h2 not refused for drift: %+v\n%s", e, res.text)
	}
	if w.exists("conf-h2") || w.exists("id-h2") || w.read("motd-h2") != "someone else\n" {
		t.Error("the drifted host was changed")
	}
	if !w.exists("conf-h1") || w.read("motd-h1") != "hello h1\n" {
		t.Error("the host that did not drift was not applied")
	}
}

// TestSavedPlanChangedSteps: what a task would write changed although the
// host did not (a source file on the controller): the plan is refused.
func TestSavedPlanChangedSteps(t *testing.T) {
	w := savedPlanWorld(t)
	pf := w.planOut(runOpts{limit: "h1"})
	w.write("conf.txt", "conf v2: not what was reviewed\n")
	res := w.applyPlan(pf)
	if res.code != 1 {
		t.Errorf("exit %d, want 1", res.code)
	}
	if !strings.Contains(res.err, "conf.txt, which the playbook reads, changed since the plan was made") {
		t.Errorf("not refused: %s\n%s", res.err, res.text)
	}
	if w.exists("conf-h1") || w.exists("id-h1") {
		t.Error("the changed task, or one after it, was applied")
	}
}

// TestSavedPlanOKTaskDrifts: a task planned ok whose file was removed
// before apply is refused as drift, not quietly created.
func TestSavedPlanOKTaskDrifts(t *testing.T) {
	w := savedPlanWorld(t)
	w.apply(runOpts{limit: "h1"})
	if err := os.WriteFile(w.path("id-h1"), []byte("id=fixed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A new file name: the HCL parser caches files by name.
	w.pb = filepath.Join(w.dir, "fixed.hcl")
	w.write("fixed.hcl", "variable \"root\" {\n  type = string\n}\n"+strings.Replace(savedPlanBook, `"id=${random_hex(8)}\n"`, `"id=fixed\n"`, 1))
	pf := filepath.Join(w.dir, "ok.json")
	if res := w.plan(runOpts{limit: "h1", out: pf}); res.code != 0 {
		t.Fatalf("plan of a converged host: exit %d\n%s", res.code, res.text)
	}
	os.Remove(w.path("motd-h1"))
	res := w.applyPlan(pf)
	if res.code != 1 || w.exists("motd-h1") {
		t.Errorf("a task planned ok that would now change was applied (exit %d)\n%s", res.code, res.text)
	}
}

// TestSavedPlanRefusedWhole: a plan made from another playbook, inventory
// or variable values is refused before any host is contacted.
func TestSavedPlanRefusedWhole(t *testing.T) {
	cases := []struct {
		name   string
		change func(w *world, pf string)
		want   string
	}{
		{"playbook edited", func(w *world, _ string) {
			w.writePlaybook(savedPlanBook + "\n# a comment is a change too\n")
		}, "playbook"},
		{"inventory edited", func(w *world, _ string) {
			w.write("hosts.hcl", localInventory("h1", "h2", "h3"))
		}, "inventory"},
		{"variables in the file edited", func(w *world, pf string) {
			editPlan(w.t, pf, func(m map[string]any) { m["vars"].(map[string]any)["greeting"] = `"pwned"` })
		}, "variable values differ"},
		{"playbook path redirected", func(w *world, pf string) {
			other := filepath.Join(w.dir, "other.hcl")
			os.WriteFile(other, []byte("variable \"root\" {\n  type = string\n}\ntask \"command\" \"x\" {\n  cmd = \"touch ${var.root}/pwned\"\n}\n"), 0o644)
			editPlan(w.t, pf, func(m map[string]any) { m["playbook"] = other })
		}, "playbook"},
		{"unknown version", func(w *world, pf string) {
			editEnvelope(w.t, pf, func(env map[string]any) { env["clawrun_plan"] = 99 })
		}, "format 99"},
		{"edited without the key", func(w *world, pf string) {
			editEnvelope(w.t, pf, func(env map[string]any) {
				var m map[string]any
				json.Unmarshal(env["plan"].(json.RawMessage), &m)
				m["vars"].(map[string]any)["greeting"] = `"pwned"`
				b, _ := json.Marshal(m)
				env["plan"] = json.RawMessage(b)
			})
		}, "authentication"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := savedPlanWorld(t)
			pf := w.planOut(runOpts{})
			c.change(w, pf)
			res := w.applyPlan(pf)
			if res.code == 0 || res.err == "" || !strings.Contains(res.err, c.want) {
				t.Errorf("exit %d, refusal %q, want one naming %q", res.code, res.err, c.want)
			}
			if len(res.events) > 0 {
				t.Errorf("hosts were contacted: %d events", len(res.events))
			}
			for _, f := range []string{"motd-h1", "conf-h1", "pwned"} {
				if w.exists(f) {
					t.Errorf("%s written by a refused plan", f)
				}
			}
		})
	}
}

// TestSavedPlanVariablesFromPlan: apply PLANFILE uses the plan's variable
// values, whatever the environment says now.
func TestSavedPlanVariablesFromPlan(t *testing.T) {
	w := savedPlanWorld(t)
	pf := w.planOut(runOpts{limit: "h1", environ: []string{"CLAWRUN_VAR_greeting=reviewed"}})
	res := w.run(runOpts{apply: true, replay: pf, environ: []string{"CLAWRUN_VAR_greeting=sneaked"}})
	if res.code != 0 {
		t.Fatalf("exit %d %s\n%s", res.code, res.err, res.text)
	}
	if got := w.read("motd-h1"); got != "reviewed h1\n" {
		t.Errorf("motd %q, want the plan's value", got)
	}
}

// TestSavedPlanTampered: digests edited in the file make apply refuse the
// task or host, and nothing of it changes.
func TestSavedPlanTampered(t *testing.T) {
	cases := []struct {
		name string
		edit func(h map[string]any)
		file string // the tampered task's file
	}{
		{"probe digest", func(h map[string]any) { task(h, "file.motd")["probe_mac"] = strings.Repeat("0", 64) }, "motd-h1"},
		{"steps digest", func(h map[string]any) { task(h, "file.motd")["steps_mac"] = strings.Repeat("0", 64) }, "motd-h1"},
		{"status", func(h map[string]any) { task(h, "file.motd")["status"] = "ok" }, "motd-h1"},
		{"task removed", func(h map[string]any) { delete(h["tasks"].(map[string]any), "file.motd") }, "motd-h1"},
		{"random replaced", func(h map[string]any) { h["random"] = []any{"deadbeef"} }, "id-h1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := savedPlanWorld(t)
			pf := w.planOut(runOpts{limit: "h1"})
			editPlan(t, pf, func(m map[string]any) { c.edit(m["hosts"].(map[string]any)["h1"].(map[string]any)) })
			res := w.applyPlan(pf)
			if res.code == 0 {
				t.Errorf("a tampered plan applied with exit 0\n%s", res.text)
			}
			if w.exists(c.file) {
				t.Errorf("the tampered task was applied: %s", w.read(c.file))
			}
		})
	}
	t.Run("host removed", func(t *testing.T) {
		w := savedPlanWorld(t)
		pf := w.planOut(runOpts{})
		editPlan(t, pf, func(m map[string]any) { delete(m["hosts"].(map[string]any), "h2") })
		res := w.applyPlan(pf)
		if res.code != 1 || w.exists("motd-h2") {
			t.Errorf("a host missing from the plan was applied (exit %d)", res.code)
		}
		if e := res.task("h2", "plan"); e == nil || !strings.Contains(e.Error, "not in the saved plan") {
			t.Errorf("h2: %+v (exit %d, %s)\n%s", e, res.code, res.err, res.text)
		}
	})
}

func task(h map[string]any, id string) map[string]any {
	return h["tasks"].(map[string]any)[id].(map[string]any)
}

// editPlan rewrites the plan inside a saved plan file and signs it again
// with the tests' key, as someone holding the key could: the checks behind
// the MAC must refuse such a plan too.
func editPlan(t *testing.T, path string, edit func(map[string]any)) {
	t.Helper()
	editEnvelope(t, path, func(env map[string]any) {
		var m map[string]any
		if err := json.Unmarshal(env["plan"].(json.RawMessage), &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		env["plan"] = json.RawMessage(b)
		env["hmac_sha256"] = planfile.MAC(testPlanKey, b)
	})
}

// editEnvelope rewrites a saved plan file's outer JSON (plan and MAC).
func editEnvelope(t *testing.T, path string, edit func(map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	env := map[string]any{}
	for k, v := range raw {
		env[k] = v
	}
	edit(env)
	// Compact: the MAC covers the plan's bytes exactly (an indenting
	// encoder would change them; compacting a compact plan does not).
	if b, err = json.Marshal(env); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSavedPlanSensitiveRandom: a random_hex that became sensitive is
// never stored in the plan file (null in its place), and no output of plan
// or apply shows it.
func TestSavedPlanSensitiveRandom(t *testing.T) {
	w := newWorld(t, `
task "file" "token" {
  path    = "${var.root}/token"
  content = "TOKEN=${sensitive(random_hex(16))}\n"
  mode    = "0600"
}

task "file" "public" {
  path    = "${var.root}/public"
  content = "${random_hex(4)}\n"
}
`, localInventory("h1"))
	pf := filepath.Join(w.dir, "plan.json")
	plan := w.plan(runOpts{out: pf})
	if plan.err != "" || plan.code != 2 {
		t.Fatalf("plan: exit %d %s", plan.code, plan.err)
	}
	raw, err := os.ReadFile(pf)
	if err != nil {
		t.Fatal(err)
	}
	var env planfile.Envelope
	var saved planfile.File
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(env.Plan, &saved); err != nil {
		t.Fatal(err)
	}
	rs := saved.Hosts["h1"].Random
	if len(rs) != 2 || rs[0] != nil || rs[1] == nil {
		t.Fatalf("random values in the plan file: %s", raw)
	}
	// Applying the plan's twin (the same playbook, no plan file) shows what
	// a sensitive random looks like, then none of it may appear anywhere.
	res := w.apply(runOpts{})
	token := strings.TrimSpace(strings.TrimPrefix(w.read("token"), "TOKEN="))
	if len(token) != 16 {
		t.Fatalf("token %q", token)
	}
	if strings.Contains(res.all(), token) || strings.Contains(plan.all(), token) {
		t.Errorf("a sensitive random_hex value was printed")
	}
	if regexp.MustCompile(`[0-9a-f]{16}`).Match(raw) && strings.Contains(string(raw), token) {
		t.Errorf("the plan file holds the token")
	}
}
