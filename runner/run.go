package runner

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/clawrun/clawrun/inventory"
	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/event"
	"github.com/clawrun/clawrun/runner/planfile"
	"github.com/clawrun/clawrun/runner/transport"
	"github.com/zclconf/go-cty/cty"
	"golang.org/x/sync/errgroup"
)

// Options control a run.
type Options struct {
	Apply         bool
	Tags          []string
	SkipTags      []string
	Forks         int
	ForceHandlers bool
	// NoExec (plan --no-exec) runs no shell the playbook wrote (command's
	// unless): such tasks are reported "not checked".
	NoExec bool
	Dial   transport.DialOptions
	// Renderer receives every event.
	Renderer event.Renderer
	// Log, when set, receives the debug log (-v), redacted.
	Log io.Writer
	// Record (plan --out) collects what each host looked like and what
	// would change; Replay (apply PLANFILE) refuses hosts that drifted
	// from it and tasks that would now do something else.
	Record *planfile.File
	Replay *planfile.File
	// HostVars are the variables of hosts whose inventory vars set one
	// (playbooks.VarSet.ByHost); other hosts see the run's vars.
	HostVars map[string]map[string]cty.Value
	// Connect, when set, opens the connection to a host that is not
	// `connection = "local"` instead of SSH (and the sshd guard's fresh
	// login): the engine's fast tests use a fake host.
	Connect func(ctx context.Context, h *inventory.Host) (transport.Conn, error)
	// Commit, Limit and Shard are reported in run_start (merge-plans).
	Commit, Limit, Shard string
}

// Run executes a playbook on the selected hosts and returns the exit code:
// 0 success, 1 any failure, 2 changes pending (plan with detailed exit code
// is decided by the caller from the recap), 130 interrupted.
type Run struct {
	pb      *playbooks.Playbook
	inv     *inventory.Inventory
	opts    Options
	vars    map[string]cty.Value
	secrets *playbooks.Secrets
	out     event.Renderer
	mu      sync.Mutex
	recap   map[string]*event.Recap
	// local runs delegated tasks; delegateMu serialises them across hosts.
	local      *transport.Local
	delegateMu sync.Mutex
	// localPending is what delegated tasks planned so far write on the
	// controller, for every host (plan only; under delegateMu).
	localPending map[string]*modules.FileState
	// Interrupted is set when ctx was cancelled mid-run.
	Interrupted bool
}

// New prepares a run; hosts are contacted only by Execute.
func New(pb *playbooks.Playbook, inv *inventory.Inventory, vars map[string]cty.Value, secrets *playbooks.Secrets, opts Options) *Run {
	if opts.Forks <= 0 {
		opts.Forks = 50
	}
	return &Run{pb: pb, inv: inv, opts: opts, vars: vars, secrets: secrets, out: opts.Renderer, recap: map[string]*event.Recap{},
		local: &transport.Local{}}
}

// Changes reports whether any host changed (apply) or would change (plan).
func (r *Run) Changes() bool {
	for _, rc := range r.recap {
		if rc.Changed > 0 || rc.NotChecked > 0 {
			return true // a task not checked may change
		}
	}
	return false
}

// Failed reports whether any host failed or was unreachable.
func (r *Run) Failed() bool {
	for _, rc := range r.recap {
		if rc.Failed > 0 || rc.Unreachable > 0 {
			return true
		}
	}
	return false
}

func (r *Run) emit(e *event.Event) {
	e.Time = time.Now().UTC()
	e.Error = r.secrets.Redact(e.Error)
	e.Message = r.secrets.Redact(e.Message)
	e.Diff = r.secrets.Redact(e.Diff)
	e.Output = r.secrets.Redact(e.Output)
	for i := range e.Changes {
		e.Changes[i].Text = r.secrets.Redact(e.Changes[i].Text)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if rc := r.recap[e.Host]; rc != nil && (e.Type == event.Task || e.Type == event.Handler) {
		rc.Count(e)
	}
	r.out.Event(e)
}

// taskStarted tells a renderer that shows live progress which task a
// host is on.
func (r *Run) taskStarted(host, task string) {
	if p, ok := r.out.(interface{ TaskStarted(host, task string) }); ok {
		r.mu.Lock()
		defer r.mu.Unlock()
		p.TaskStarted(host, task)
	}
}

// logf writes a redacted debug line.
func (r *Run) logf(format string, args ...any) {
	if r.opts.Log == nil {
		return
	}
	line := r.secrets.Redact(fmt.Sprintf(format, args...))
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.opts.Log, "%s clawrun: %s\n", time.Now().Format("15:04:05.000"), line)
}

func (r *Run) mode() string {
	if r.opts.Apply {
		return "apply"
	}
	return "plan"
}

// Execute runs every selected host: in parallel (forks), in serial batches.
// Cancelling ctx finishes each host's running task and starts nothing more.
func (r *Run) Execute(ctx context.Context, hosts []*inventory.Host) {
	names := make([]string, len(hosts))
	for i, h := range hosts {
		names[i] = h.Name
		r.recap[h.Name] = &event.Recap{}
	}
	r.emit(&event.Event{Type: event.RunStart, Mode: r.mode(), Hosts: names, Playbook: r.pb.File,
		Commit: r.opts.Commit, TasksDigest: TasksDigest(r.pb), Targets: r.pb.Hosts, Limit: r.opts.Limit, Shard: r.opts.Shard})
	start := time.Now()
	batch := len(hosts)
	if r.pb.Serial > 0 {
		batch = r.pb.Serial
	}
	failed := 0
	done := 0
	for i := 0; i < len(hosts); i += batch {
		if ctx.Err() != nil {
			break
		}
		end := min(i+batch, len(hosts))
		var g errgroup.Group
		g.SetLimit(r.opts.Forks)
		for _, h := range hosts[i:end] {
			g.Go(func() error {
				r.host(ctx, h)
				return nil
			})
		}
		g.Wait()
		for _, h := range hosts[i:end] {
			done++
			if rc := r.recap[h.Name]; rc.Failed > 0 || rc.Unreachable > 0 {
				failed++
			}
		}
		if end < len(hosts) && failed*100 > r.pb.MaxFailPct*done {
			break
		}
	}
	if ctx.Err() != nil {
		r.Interrupted = true
	}
	var total transport.Stats
	for _, rc := range r.recap {
		if rc.Stats != nil {
			total.Handshakes += rc.Stats.Handshakes
			total.Sessions += rc.Stats.Sessions
			total.RoundTrips += rc.Stats.RoundTrips
			total.BytesUp += rc.Stats.BytesUp
			total.BytesDown += rc.Stats.BytesDown
			total.Processes += rc.Stats.Processes
			total.ConnectRetries += rc.Stats.ConnectRetries
		}
	}
	r.emit(&event.Event{Type: event.RunDone, Mode: r.mode(), Recap: r.recap, Stats: &total, DurationMS: time.Since(start).Milliseconds()})
}
