package runner

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/inventory"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/output"
)

// TestFactsAndDelegate: a playbook that reads host.facts gets them before
// its tasks are evaluated; a delegated task runs on the controller, one
// host at a time.
func TestFactsAndDelegate(t *testing.T) {
	w := newWorld(t, `
task "file" "facts" {
  path    = "${var.root}/facts-${host.name}"
  content = "${host.facts.hostname} ${host.facts.init != "" ? "init" : "none"}\n"
}

task "command" "record" {
  cmd      = "echo ${host.name} >> ${var.root}/record"
  delegate = "local"
}
`, localInventory("h1", "h2"))
	res := w.apply(runOpts{})
	host, _ := os.Hostname()
	if got := w.read("facts-h1"); !strings.HasPrefix(got, host+" ") {
		t.Errorf("facts file %q, want the hostname %q", got, host)
	}
	if got := w.read("record"); got != "h1\nh2\n" && got != "h2\nh1\n" {
		t.Errorf("delegated task wrote %q", got)
	}
	if res.code != 0 {
		t.Errorf("exit %d", res.code)
	}
}

// TestLargeContentStaged: content over 64 KiB travels outside the script
// and lands exactly; a rerun changes nothing.
func TestLargeContentStaged(t *testing.T) {
	big := strings.Repeat("0123456789abcdef\n", 5000) // 85 KB
	w := newWorld(t, `
task "file" "big" {
  path   = "${var.root}/big"
  source = "big.txt"
}
`, localInventory("h1"))
	w.write("big.txt", big)
	res := w.apply(runOpts{})
	if res.code != 0 || w.read("big") != big {
		t.Fatalf("exit %d, content differs", res.code)
	}
	if again := w.plan(runOpts{}); again.code != 0 {
		t.Errorf("rerun would change: exit %d", again.code)
	}
}

// TestRuntimeEvaluationError: a value that only fails on the host (a file
// named by a fact) fails that host with the expression's position.
func TestRuntimeEvaluationError(t *testing.T) {
	w := newWorld(t, `
task "file" "x" {
  path    = "${var.root}/x"
  content = file("${var.root}/missing-${host.facts.hostname}")
}
`, localInventory("h1"))
	res := w.apply(runOpts{})
	e := res.task("h1", "evaluate")
	if res.code != 1 || e == nil || !strings.Contains(e.Error, "play.hcl:") {
		t.Errorf("exit %d, event %+v", res.code, e)
	}
}

// TestInterrupt: a cancelled run starts nothing more and says so.
func TestInterrupt(t *testing.T) {
	w := newWorld(t, `
task "file" "x" {
  path    = "${var.root}/x"
  content = "x\n"
}
`, localInventory("h1"))
	pb, _ := playbooks.Load(w.pb)
	inv, _ := inventory.Load(w.inv)
	vals, _ := pb.ResolveVars(playbooks.Inputs{Vars: []string{"root=" + w.root}}, true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	r := New(pb, inv, vals, &playbooks.Secrets{}, Options{Apply: true, Renderer: &output.TextRenderer{W: &out}})
	r.Execute(ctx, inv.Hosts)
	if !r.Interrupted || w.exists("x") {
		t.Errorf("interrupted %v, file written %v", r.Interrupted, w.exists("x"))
	}
}
