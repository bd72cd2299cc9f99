package runner

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/transport"
)

func (hr *hostRun) probeItems(tasks []*playbooks.Task) []transport.ProbeItem {
	items := make([]transport.ProbeItem, len(tasks))
	for i, t := range tasks {
		if t.Skip || t.Module == nil || t.Spec.Delegate != "" || hr.noExec(t) || t.Pending {
			items[i] = transport.ProbeItem{Script: "true", Become: hr.become(t)}
			continue
		}
		if fp, ok := t.Module.(modules.FileProber); ok {
			path, want := fp.FileProbe()
			items[i] = transport.ProbeItem{File: &modules.FileSpec{Path: path, Want: want}, Become: hr.become(t)}
			continue
		}
		items[i] = transport.ProbeItem{Script: t.Module.Probe(), Become: hr.become(t)}
	}
	return items
}

func (hr *hostRun) probe(ctx context.Context, tasks []*playbooks.Task) ([]transport.ProbeResult, error) {
	var timed, plain []int
	for i, t := range tasks {
		if boundsProbe(t) {
			timed = append(timed, i)
		} else {
			plain = append(plain, i)
		}
	}
	if len(timed) == 0 || len(plain) == 0 {
		return hr.probeBatch(ctx, tasks)
	}
	// Tasks with a timeout are probed in a round trip of their own,
	// bounded by it; the others keep the default limit.
	res := make([]transport.ProbeResult, len(tasks))
	for _, idx := range [][]int{plain, timed} {
		sub := make([]*playbooks.Task, len(idx))
		for j, i := range idx {
			sub[j] = tasks[i]
		}
		r, err := hr.probeBatch(ctx, sub)
		if err != nil {
			return nil, err
		}
		for j, i := range idx {
			res[i] = r[j]
		}
	}
	return res, nil
}

// boundsProbe reports a task whose timeout bounds its probe. A module
// that takes the timeout as its own duration (wait) has a probe that
// never waits on it.
func boundsProbe(t *playbooks.Task) bool {
	_, own := t.Module.(modules.TimeoutTaker)
	return t.Timeout > 0 && !own
}

func (hr *hostRun) probeBatch(ctx context.Context, tasks []*playbooks.Task) ([]transport.ProbeResult, error) {
	items := hr.probeItems(tasks)
	t0 := time.Now()
	var res []transport.ProbeResult
	var err error
	var timeouts []time.Duration
	for _, t := range tasks {
		if boundsProbe(t) {
			timeouts = append(timeouts, t.Timeout)
		}
	}
	limit, kind := transport.ProbeLimit(timeouts)
	ctx, cancel := transport.WithTimeout(ctx, limit, kind)
	defer cancel()
	if hr.factsPending {
		res, err = hr.factsAndProbes(ctx, items)
	} else {
		res, err = transport.RunProbes(ctx, hr.conn, items)
	}
	hr.r.logf("%s: probed %d tasks in %s", hr.h.Name, len(items), time.Since(t0).Round(time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	return res, nil
}

// factsAndProbes gathers facts as the login user (sudo would drop
// SSH_CONNECTION) and runs the probes through sudo, in one round trip.
func (hr *hostRun) factsAndProbes(ctx context.Context, items []transport.ProbeItem) ([]transport.ProbeResult, error) {
	become := len(items) > 0 && items[0].Become
	if !transport.SameBecome(items, become) {
		res, err := hr.conn.Run(ctx, factsScript, false)
		if err != nil {
			return nil, err
		}
		hr.setFacts(res.Stdout)
		return transport.RunProbes(ctx, hr.conn, items)
	}
	if become && hr.r.opts.Dial.BecomePassword != "" {
		return hr.factsBesideProbes(ctx, items)
	}
	bt := transport.NewBatch(items)
	r, err := hr.conn.Run(ctx, bt.AfterFacts(factsScript, become && !hr.loginIsRoot()), false)
	if err != nil {
		return nil, err
	}
	facts, probes, ok := bt.SplitFacts(r.Stdout)
	if !ok {
		return nil, fmt.Errorf("gather facts: %w", r.Err())
	}
	hr.setFacts(facts)
	res, err := bt.Parse(probes, r.Stderr)
	if err != nil {
		return nil, err
	}
	return res, bt.Reprobe(ctx, hr.conn, become, res)
}

// loginIsRoot: the scripts already run as root, so become needs no sudo
// (root-only images often have none).
func (hr *hostRun) loginIsRoot() bool {
	if hr.h.Connection == "local" {
		return os.Geteuid() == 0
	}
	return hr.h.User == "root"
}

// factsBesideProbes gathers facts in the login user's shell and runs the
// probes in the root shell at the same time. With a sudo password the
// probes cannot ride in a here-document: the password is written only when
// sudo prompts for it (sudoHandshake), which needs the shell's own stdin.
func (hr *hostRun) factsBesideProbes(ctx context.Context, items []transport.ProbeItem) ([]transport.ProbeResult, error) {
	var facts *transport.Result
	var factsErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		facts, factsErr = hr.conn.Run(ctx, factsScript, false)
	}()
	res, err := transport.RunProbes(ctx, hr.conn, items)
	<-done
	if factsErr != nil {
		return nil, factsErr
	}
	hr.setFacts(facts.Stdout)
	return res, err
}
