package runner

import (
	"fmt"
	"strings"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/playbooks"
)

// predict records what a planned change does for the plans of later
// tasks: the files it writes (for this host, or on the controller for
// every host when delegated) and the state it touches beyond them.
func (hr *hostRun) predict(t *playbooks.Task, info *modules.Host, plan *modules.Plan) {
	if t.Spec.Delegate != "" {
		// delegateMu is held: runTask locked it for the delegated task.
		if hr.r.localPending == nil {
			hr.r.localPending = map[string]*modules.FileState{}
		}
		for path, w := range plan.Writes {
			hr.r.localPending[path] = w
		}
		return
	}
	if info.Pending == nil {
		info.Pending = map[string]*modules.FileState{}
	}
	for path, w := range plan.Writes {
		info.Pending[path] = w
	}
	for _, k := range plan.Touches {
		if hr.touched == nil {
			hr.touched = map[string]string{}
		}
		if _, seen := hr.touched[k]; !seen {
			hr.touched[k] = t.ID
		}
	}
}

// taskCaveat is the caveat a task's plan carries: the host's (an opaque
// task would change before it), or one naming the earlier task whose
// change touches state this task reads and the plan does not model.
func (hr *hostRun) taskCaveat(t *playbooks.Task) string {
	if hr.caveat != "" || hr.r.opts.Apply || len(hr.touched) == 0 || t.Module == nil {
		return hr.caveat
	}
	var keys []string
	if k, ok := t.Module.(modules.Keyed); ok {
		keys = k.StateKeys()
	}
	if fp, ok := t.Module.(modules.FileProber); ok {
		p, _ := fp.FileProbe()
		keys = append(keys, p)
	}
	for _, k := range keys {
		for tk, id := range hr.touched {
			if k == tk || strings.HasPrefix(k, strings.TrimSuffix(tk, "/")+"/") {
				return fmt.Sprintf("planned before %s changes %s", id, tk)
			}
		}
	}
	return ""
}
