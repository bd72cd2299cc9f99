package runner

import (
	"fmt"
	"strings"
	"time"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/event"
	"github.com/clawrun/clawrun/runner/planfile"
	"github.com/clawrun/clawrun/runner/transport"
)

// keepOutput keeps a step script's output for task results, and strips
// the command markers from it, so that messages read as before.
func (hr *hostRun) keepOutput(res *transport.Result) {
	raw := *res
	hr.lastRun = &raw
	res.Stdout = modules.StripOutputMarkers(res.Stdout)
	res.Stderr = modules.StripOutputMarkers(res.Stderr)
}

// recordResult makes what a task did readable by later tasks
// (task.<module>.<name>), when some task reads it.
func (hr *hostRun) recordResult(t *playbooks.Task, changed bool, p transport.ProbeResult) {
	if !t.Spec.Referenced || hr.scope == nil {
		return
	}
	r := modules.Result{ChangedKnown: true, Changed: changed, Sensitive: sensitiveOutput(t)}
	switch {
	case t.Skip:
		r = modules.Result{Skipped: true}
	case t.Pending:
		r = modules.Result{} // planned as known after apply: nothing is known
	}
	if c, ok := t.Module.(modules.Capturer); ok && !t.Skip && !t.Pending {
		if !changed {
			if pr, ok := c.ProbeResult(p.Out); ok {
				r.OutputKnown, r.Stdout, r.Stderr, r.ExitCode = true, pr.Stdout, pr.Stderr, pr.ExitCode
			}
		} else if hr.r.opts.Apply && hr.lastRun != nil {
			if rr, ok := modules.RunResult(hr.lastRun.Stdout, hr.lastRun.Stderr); ok {
				r.OutputKnown, r.Stdout, r.Stderr, r.ExitCode = true, rr.Stdout, rr.Stderr, rr.ExitCode
			}
		}
	}
	if r.Sensitive {
		hr.r.secrets.Add(r.Stdout)
		hr.r.secrets.Add(r.Stderr)
	}
	if changed && !t.Skip {
		if hr.ran == nil {
			hr.ran = map[*playbooks.TaskSpec]bool{}
		}
		hr.ran[t.Spec] = true
	}
	hr.scope.SetResult(t.Spec, r)
}

// sensitiveOutput: what a task prints is sensitive when the task is, or
// when it is a command whose configuration (cmd, env) holds a sensitive
// value: its output may be derived from the secret (echo $tok | rev).
func sensitiveOutput(t *playbooks.Task) bool {
	_, prints := t.Module.(modules.Capturer)
	return t.Sensitive || (prints && carriesSecret(t))
}

// hiddenOutputHint follows the redaction marker in place of a sensitive
// command's output: a failing command must still say where to look.
const hiddenOutputHint = " output hidden: the command uses a sensitive value, so what it printed may hold it; run the command by hand on the host to see its output\n"

// hideOutput withholds a sensitive command's output from -v and JSON, and
// keeps what it printed out of every later message.
func (hr *hostRun) hideOutput(t *playbooks.Task, ev *event.Event) {
	if !sensitiveOutput(t) {
		return
	}
	if hr.lastRun != nil {
		hr.r.secrets.Add(modules.StripOutputMarkers(hr.lastRun.Stdout))
		hr.r.secrets.Add(modules.StripOutputMarkers(hr.lastRun.Stderr))
	}
	if ev.Output != "" {
		ev.Output = playbooks.Redacted + hiddenOutputHint
	}
}

// readsRunResults reports whether a task reads the results of a task that
// changed in this run: the plan could not know them (a command's output)
// and showed this task as known after apply, so a saved plan's steps do
// not bind it. Decided from this run, never from the plan file.
func (hr *hostRun) readsRunResults(t *playbooks.Task) bool {
	for _, n := range t.Spec.Needs {
		if hr.ran[n] {
			return true
		}
	}
	return false
}

// refresh evaluates a task that reads earlier tasks' results again, now
// that they are recorded. It reports false when the host must stop.
func (hr *hostRun) refresh(tasks []*playbooks.Task, i int, start time.Time) bool {
	t := tasks[i]
	nt, diags := hr.scope.Reinstantiate(t.Spec, t.ID)
	if diags.HasErrors() {
		hr.fail(t.ID, t.Spec.Module, fmt.Errorf("%s", diagText(diags)), start)
		return false
	}
	tasks[i] = nt
	if nt.Pending && hr.r.opts.Apply {
		hr.fail(t.ID, t.Spec.Module, fmt.Errorf("a value it reads is not known (%s): the task it depends on did not run", needsText(t.Spec)), start)
		return false
	}
	return true
}

func needsText(spec *playbooks.TaskSpec) string {
	var n []string
	for _, s := range spec.Needs {
		n = append(n, "task."+s.Module+"."+s.Name)
	}
	return strings.Join(n, ", ")
}

// knownAfterApply reports, in plan, a task whose configuration depends on
// results only apply knows: it may change, and a saved plan re-checks it.
func (hr *hostRun) knownAfterApply(t *playbooks.Task, start time.Time) {
	caveat := "depends on " + needsText(t.Spec) + ", known after apply"
	ev := &event.Event{Type: event.Task, Host: hr.h.Name, Task: t.ID, Module: t.Spec.Module, Status: event.StatusChanged,
		Changes: []modules.Line{{Sign: "~", Text: "(known after apply): reads " + needsText(t.Spec)}}, Caveat: caveat,
		DurationMS: time.Since(start).Milliseconds()}
	if pf := hr.r.opts.Record; pf != nil {
		ph := pf.ForHost(hr.h.Name)
		ph.Tasks[t.ID] = &planfile.Task{Status: event.StatusChanged, Caveat: caveat}
		ph.Order = append(ph.Order, t.ID)
	}
	for _, n := range t.Spec.Notify {
		hr.changed[n] = true
	}
	hr.r.emit(ev)
}
