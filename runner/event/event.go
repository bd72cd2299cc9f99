package event

import (
	"time"

	"github.com/clawrun/clawrun/modules"
)

// Stats counts a connection's work on one host, or a run's on all of them
// (--stats, the json run_done event). runner/transport counts into it.
type Stats struct {
	Handshakes int64 `json:"handshakes"`
	Sessions   int64 `json:"sessions"`
	RoundTrips int64 `json:"round_trips"`
	BytesUp    int64 `json:"bytes_up"`
	BytesDown  int64 `json:"bytes_down"`
	// Processes is how many processes the scripts started on the host.
	Processes int64 `json:"processes"`
	// ConnectRetries counts connect attempts retried because the host
	// refused or dropped them (sshd restarting, the host booting).
	ConnectRetries int64 `json:"connect_retries"`
}

// Status of a task on a host.
const (
	StatusOK          = "ok"
	StatusChanged     = "changed"
	StatusSkipped     = "skipped"
	StatusFailed      = "failed"
	StatusUnreachable = "unreachable"
	// StatusNotChecked: plan --no-exec did not probe the task, since its
	// probe runs a command the playbook wrote.
	StatusNotChecked = "not_checked"
)

// Type names what an Event reports.
type Type string

// The kinds of events, in the order a run emits them.
const (
	RunStart Type = "run_start"
	Task     Type = "task"    // a task's outcome on a host
	Retry    Type = "retry"   // a failed attempt of a task with retries
	Notice   Type = "notice"  // a message about a task or the sshd guard
	Handler  Type = "handler" // a handler's outcome on a host
	HostDone Type = "host_done"
	RunDone  Type = "run_done"
)

// Event is one thing that happened. Every string in it is redacted.
type Event struct {
	Type       Type              `json:"type"`
	Time       time.Time         `json:"time"`
	Host       string            `json:"host,omitempty"`
	Task       string            `json:"task,omitempty"`
	Module     string            `json:"module,omitempty"`
	Status     string            `json:"status,omitempty"`
	Mode       string            `json:"mode,omitempty"` // plan or apply
	Changes    []modules.Line    `json:"changes,omitempty"`
	Diff       string            `json:"diff,omitempty"`
	Error      string            `json:"error,omitempty"`
	Ignored    bool              `json:"ignored,omitempty"`
	DurationMS int64             `json:"duration_ms"`
	Recap      map[string]*Recap `json:"recap,omitempty"`
	Stats      *Stats            `json:"stats,omitempty"`
	Hosts      []string          `json:"hosts,omitempty"`
	Playbook   string            `json:"playbook,omitempty"`
	// Run facts of run_start, so that merge-plans can tell runs of one
	// playbook apart from others and name hosts no shard covered:
	// Commit is the playbook repository's git commit, TasksDigest a
	// sha256 of the task list (module and name of each task and handler,
	// text every output shows anyway: no attribute value, so no secret),
	// Targets the playbook's hosts, Limit the --limit, Shard the --shard.
	Commit      string   `json:"commit,omitempty"`
	TasksDigest string   `json:"tasks_digest,omitempty"`
	Targets     []string `json:"targets,omitempty"`
	Limit       string   `json:"limit,omitempty"`
	Shard       string   `json:"shard,omitempty"`
	Message     string   `json:"message,omitempty"` // notice events
	// Output is what a command task printed (stdout, then stderr), cut
	// at 256 KiB and redacted.
	Output string `json:"output,omitempty"`
	// Caveat marks a plan made before an earlier task whose effects cannot
	// be predicted (a package install): apply re-probes and may do less, or
	// other things, for this task.
	Caveat string `json:"caveat,omitempty"`
	// Attempt numbers the tries of a task with retries (retry events,
	// and the task event of a task that needed more than one).
	Attempt int `json:"attempt,omitempty"`
	// DelayS is the pause before the next attempt (retry events).
	DelayS int `json:"delay_s,omitempty"`
}

// Recap counts one host's outcomes.
type Recap struct {
	OK          int    `json:"ok"`
	Changed     int    `json:"changed"`
	Failed      int    `json:"failed"`
	Skipped     int    `json:"skipped"`
	Unreachable int    `json:"unreachable"`
	NotChecked  int    `json:"not_checked,omitempty"`
	Stats       *Stats `json:"stats,omitempty"`

	// Ignored counts failures of tasks with ignore_errors: they neither
	// stop the host nor fail the run (as in Ansible).
	Ignored int `json:"ignored"`
}

// Renderer turns events into output.
type Renderer interface {
	Event(e *Event)
	Close() error
}

// Count adds a task's or handler's outcome: the one place the recap is
// counted.
func (rc *Recap) Count(e *Event) {
	switch {
	case e.Status == StatusFailed && e.Ignored:
		rc.Ignored++
	case e.Status == StatusFailed:
		rc.Failed++
	case e.Status == StatusOK:
		rc.OK++
	case e.Status == StatusChanged:
		rc.Changed++
	case e.Status == StatusSkipped:
		rc.Skipped++
	case e.Status == StatusUnreachable:
		rc.Unreachable++
	case e.Status == StatusNotChecked:
		rc.NotChecked++
	}
}

// ExecResult is one host's outcome of an ad-hoc command.
type ExecResult struct {
	Host       string `json:"host"`
	Stdout     string `json:"stdout"`
	Stderr     string `json:"stderr"`
	ExitCode   int    `json:"exit_code"`
	Error      string `json:"error,omitempty"` // connection failure: the command did not run
	DurationMS int64  `json:"duration_ms"`
}

// Failed reports whether the command failed or could not run.
func (r *ExecResult) Failed() bool { return r.Error != "" || r.ExitCode != 0 }
