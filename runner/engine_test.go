package runner

// The engine's fast tests: playbooks run end to end through Run.Execute on
// hosts of the local connection (each under a temp directory of its own),
// or on a fake host (fakehost_test.go) where a test needs what only remote
// hosts have (the sshd guard). No SSH, no root, no real host.

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/clawrun/clawrun/inventory"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/event"
	"github.com/clawrun/clawrun/runner/output"
	"github.com/clawrun/clawrun/runner/planfile"
	"github.com/clawrun/clawrun/runner/transport"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// world is a playbook, an inventory and the directory the hosts' files
// live in (var.root).
type world struct {
	t    *testing.T
	dir  string // playbook and inventory
	root string // var.root: the hosts' files
	pb   string
	inv  string
}

// localInventory has one local host per name.
func localInventory(names ...string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString("host \"" + n + "\" {\n  connection = \"local\"\n  become     = false\n}\n")
	}
	return b.String()
}

// newWorld writes the playbook (with `variable "root"` prepended) and the
// inventory into a temp directory.
func newWorld(t *testing.T, playbook, inv string) *world {
	t.Helper()
	w := &world{t: t, dir: t.TempDir(), root: t.TempDir()}
	w.pb = filepath.Join(w.dir, "play.hcl")
	w.inv = filepath.Join(w.dir, "hosts.hcl")
	w.writePlaybook(playbook)
	w.write("hosts.hcl", inv)
	return w
}

func (w *world) writePlaybook(src string) {
	w.write("play.hcl", "variable \"root\" {\n  type = string\n}\n\n"+src)
}

func (w *world) write(name, content string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, name), []byte(content), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// path is a file of the hosts' tree.
func (w *world) path(rel string) string { return filepath.Join(w.root, rel) }

func (w *world) read(rel string) string {
	w.t.Helper()
	b, err := os.ReadFile(w.path(rel))
	if err != nil {
		w.t.Fatal(err)
	}
	return string(b)
}

func (w *world) exists(rel string) bool {
	_, err := os.Lstat(w.path(rel))
	return err == nil
}

// runOpts are a run's command-line choices.
type runOpts struct {
	apply         bool
	out           string // plan --out
	replay        string // apply PLANFILE
	vars          []string
	environ       []string
	limit         string
	tags, skip    []string
	forceHandlers bool
	accept        bool // --accept-new-host-keys
	connect       func(ctx context.Context, h *inventory.Host) (transport.Conn, error)
}

// outcome is what a run printed and returned.
type outcome struct {
	code   int
	err    string // refused before any host was contacted
	events []*event.Event
	text   string
	json   string
	md     string
	recap  map[string]*event.Recap
}

// all prints every output of a run.
func (o *outcome) all() string { return o.text + o.json + o.md + o.err }

// task returns host's event for task (the last one).
func (o *outcome) task(host, task string) *event.Event {
	var found *event.Event
	for _, e := range o.events {
		if (e.Type == "task" || e.Type == "handler") && e.Host == host && e.Task == task {
			found = e
		}
	}
	return found
}

// tee hands every event to several renderers and keeps it.
type tee struct {
	mu     sync.Mutex
	rs     []event.Renderer
	events []*event.Event
}

func (t *tee) Event(e *event.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	cp := *e
	t.events = append(t.events, &cp)
	for _, r := range t.rs {
		r.Event(e)
	}
}

func (t *tee) Close() error {
	for _, r := range t.rs {
		r.Close()
	}
	return nil
}

// testPlanKey authenticates the saved plans of these tests (Key in the CLI).
var testPlanKey = []byte("engine-test-plan-key-0123456789abcdef")

// run does what `clawrun plan|apply` does (cmd/clawrun doRun), with every
// output format at once, and returns its exit code.
func (w *world) run(o runOpts) *outcome {
	w.t.Helper()
	res := &outcome{}
	pbPath, invPath, limit, tags, skip := w.pb, w.inv, o.limit, o.tags, o.skip
	var replay *planfile.File
	var fixed map[string]cty.Value
	if o.replay != "" {
		src, err := os.ReadFile(o.replay)
		if err != nil || !planfile.IsPlan(src) {
			res.code, res.err = 1, "load plan: "+errText(err)
			return res
		}
		pf, err := planfile.Load(o.replay, src, testPlanKey)
		if err != nil {
			res.code, res.err = 1, "load plan: "+errText(err)
			return res
		}
		replay = pf
		pbPath, invPath, limit, tags, skip = pf.Playbook, pf.Inventory, pf.Limit, pf.Tags, pf.SkipTags
		pb0, diags := playbooks.Load(pbPath)
		if pb0 == nil {
			w.t.Fatalf("load playbook: %s", diags.Error())
		}
		if fixed, err = pf.FixedVars(pb0); err != nil {
			res.code, res.err = 1, err.Error()
			return res
		}
	}
	pb, diags := playbooks.Load(pbPath)
	inv, d := inventory.Load(invPath)
	diags = append(diags, d...)
	if diags.HasErrors() {
		w.t.Fatalf("load: %s", diags.Error())
	}
	vars := o.vars
	if replay == nil {
		vars = append([]string{"root=" + w.root}, vars...)
	}
	vals, d := pb.ResolveVars(playbooks.Inputs{Vars: vars, Environ: o.environ, Fixed: fixed}, true)
	diags = append(diags, d...)
	hosts, err := inv.Select(pb.Hosts, limit)
	if err != nil {
		w.t.Fatal(err)
	}
	var checks []playbooks.CheckHost
	for _, h := range hosts {
		checks = append(checks, playbooks.CheckHost{Name: h.Name, Address: h.Address, Groups: h.Groups, Vars: h.Vars})
	}
	secrets := &playbooks.Secrets{}
	diags = append(diags, pb.Check(vals, checks, secrets)...)
	if diags.HasErrors() {
		res.code, res.err = 1, diagsText(diags)
		return res
	}
	var record *planfile.File
	switch {
	case replay != nil:
		if err := replay.Check(pb.Source, inv.Source, vals); err != nil {
			res.code, res.err = 1, err.Error()
			return res
		}
	case o.out != "":
		record = planfile.New(pb, invPath, inv.Source, vals, limit, tags, skip, testPlanKey)
	}
	var text, js, md bytes.Buffer
	out := &tee{rs: []event.Renderer{
		&output.TextRenderer{W: &text, Diffs: true, Verbose: true},
		&output.JSONRenderer{W: &js},
		&output.MarkdownRenderer{W: &md},
	}}
	var log bytes.Buffer
	r := New(pb, inv, vals, secrets, Options{Apply: o.apply, Tags: tags, SkipTags: skip,
		ForceHandlers: o.forceHandlers, Dial: transport.DialOptions{AcceptNewHostKeys: o.accept}, Renderer: out, Log: &log, Record: record, Replay: replay, Connect: o.connect})
	r.Execute(context.Background(), hosts)
	out.Close()
	res.events, res.text, res.json, res.md = out.events, text.String()+log.String(), js.String(), md.String()
	for _, e := range res.events {
		if e.Type == "run_done" {
			res.recap = e.Recap
		}
	}
	if record != nil {
		if err := record.Save(o.out, secrets); err != nil {
			res.code, res.err = 1, "save plan: "+err.Error()
			return res
		}
	}
	switch {
	case r.Failed():
		res.code = 1
	case !o.apply && r.Changes():
		res.code = 2 // plan --detailed-exitcode
	}
	return res
}

func errText(err error) string {
	if err == nil {
		return "not a plan file"
	}
	return err.Error()
}

func diagsText(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Error() + "\n")
	}
	return b.String()
}

// plan and apply are the usual runs; each checks it was not refused.
func (w *world) plan(o runOpts) *outcome {
	w.t.Helper()
	return w.must(w.run(o))
}

func (w *world) apply(o runOpts) *outcome {
	w.t.Helper()
	o.apply = true
	return w.must(w.run(o))
}

func (w *world) must(res *outcome) *outcome {
	w.t.Helper()
	if res.err != "" {
		w.t.Fatalf("run refused: %s", res.err)
	}
	return res
}

// jsonRecap is the recap as the JSON renderer printed it.
func (o *outcome) jsonRecap(t *testing.T) map[string]map[string]any {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(o.json), "\n") {
		var m struct {
			Type  string                    `json:"type"`
			Recap map[string]map[string]any `json:"recap"`
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("json line does not parse: %s", line)
		}
		if m.Type == "run_done" {
			return m.Recap
		}
	}
	t.Fatal("no run_done event in json")
	return nil
}
