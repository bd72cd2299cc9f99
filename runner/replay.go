package runner

import (
	"fmt"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/event"
	"github.com/clawrun/clawrun/runner/planfile"
	"github.com/clawrun/clawrun/runner/transport"
)

// checkDrift compares the first probe of every task with the saved plan.
func (hr *hostRun) checkDrift(tasks []*playbooks.Task, probes []transport.ProbeResult) error {
	ph := hr.r.opts.Replay.Hosts[hr.h.Name]
	for i, t := range tasks {
		if t.Skip || t.Module == nil || t.Spec.Delegate != "" || t.Pending {
			continue // pending: checked against its steps once evaluated
		}
		pt, ok := ph.Tasks[t.ID]
		if !ok {
			return fmt.Errorf("task %s is not in the saved plan: plan again", t.ID)
		}
		// Every task is compared, caveat or not: these probes, like the
		// plan's, see the host before anything changed.
		if hr.r.opts.Replay.ProbeDigest(t.Module, probes[i]) != pt.Probe {
			return fmt.Errorf("task %s drifted since the plan: the host changed; plan again", t.ID)
		}
	}
	return nil
}

// checkPlanned refuses a task that would now do other than planned.
func (hr *hostRun) checkPlanned(rp *planfile.File, t *playbooks.Task, plan *modules.Plan) error {
	pt, ok := rp.Hosts[hr.h.Name].Tasks[t.ID]
	if !ok {
		return fmt.Errorf("task %s is not in the saved plan: plan again", t.ID)
	}
	if hr.opaqueApplied {
		// A package install of this run did things no probe foresaw; the
		// plan showed this task with a caveat. Decided here, never read
		// from the file.
		return nil
	}
	if hr.readsRunResults(t) {
		return nil // planned as known after apply: its values were unknown
	}
	now := event.StatusOK
	if plan.Changed() {
		now = event.StatusChanged
	}
	if now != pt.Status || (plan.Changed() && rp.StepsDigest(plan, hr.fresh) != pt.Steps) {
		return fmt.Errorf("task %s would now do other than the saved plan says (planned %s): plan again", t.ID, pt.Status)
	}
	return nil
}
