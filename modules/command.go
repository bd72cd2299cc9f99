package modules

import (
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Command runs a shell command: the escape hatch.
type Command struct {
	// Cmd runs with /bin/sh -c semantics (it is sent on stdin, not argv).
	Cmd string `hcl:"cmd"`
	// Creates skips the command when this path exists on the host.
	Creates string `hcl:"creates,optional"`
	// Unless skips the command when this command exits 0 (run at probe time).
	Unless string `hcl:"unless,optional"`
	// capture: a later task reads this command's output, so the probe
	// keeps unless's output (the stdout of a command unless skipped).
	capture bool
}

var (
	_ Module   = (*Command)(nil)
	_ Checker  = (*Command)(nil)
	_ Capturer = (*Command)(nil)
)

// Capturer is implemented by modules whose output later tasks may read:
// the runner shows what their steps print (-v, JSON) and, when their
// configuration holds a secret, treats that output as sensitive.
type Capturer interface {
	CaptureOutput()
	// ProbeResult is the module's result when its probe found nothing to
	// do; ok is false when the probe does not know it.
	ProbeResult(out string) (r Result, ok bool)
}

// CaptureOutput makes the probe keep unless's output.
func (c *Command) CaptureOutput() { c.capture = true }

// Markers frame the command's own stdout and stderr in its step's output;
// the runner reads task.command.<name>.stdout between them.
const (
	outBegin = "@@clawrun-command-begin"
	outEnd   = "@@clawrun-command-end"
	// maxOutput bounds what a result keeps of each stream.
	maxOutput = 1 << 20
)

// Check accepts any command.
func (c *Command) Check(Attrs) hcl.Diagnostics { return nil }

// Probe tests creates and unless.
func (c *Command) Probe() string {
	s := ""
	if c.Creates != "" {
		s += "if [ -e " + Quote(c.Creates) + " ]; then echo creates=1; fi\n"
	}
	switch {
	case c.Unless != "" && c.capture:
		s += "if clawrun_o=$( ( " + c.Unless + "\n) 2>/dev/null </dev/null); then echo unless=1; " +
			"printf 'unless_stdout=%s\\n' \"$(printf %s \"$clawrun_o\" | head -c " + strconv.Itoa(maxOutput) + " | base64 | tr -d '\\n')\"; fi\n"
	case c.Unless != "":
		s += "if ( " + c.Unless + "\n) >/dev/null 2>&1 </dev/null; then echo unless=1; fi\n"
	}
	return s + "true\n"
}

// UserShell is implemented by modules whose probe runs shell the playbook
// wrote; `plan --no-exec` does not probe them.
type UserShell interface {
	RunsUserShell() bool
}

// RunsUserShell: unless is a playbook's command, run by the probe.
func (c *Command) RunsUserShell() bool { return c.Unless != "" }

// Plan runs the command unless creates or unless say it is done.
func (c *Command) Plan(h *Host, out string) (*Plan, error) {
	m := kv(out)
	p := &Plan{}
	created := m["creates"] == "1"
	if c.Creates != "" && h != nil {
		// An earlier task of this plan creates or removes the path.
		if pf, ok := h.Pending[c.Creates]; ok && pf.Known {
			created = !pf.Absent
		} else if goneAncestor(h, c.Creates) != "" {
			created = false
		}
	}
	if created || m["unless"] == "1" {
		return p, nil
	}
	p.add("~", "would run: %s", c.Cmd)
	// The markers frame the command's output for task results; its exit
	// status still fails the step.
	p.step("run", "printf '%s\\n' '"+outBegin+"'; printf '%s\\n' '"+outBegin+"' >&2\n( "+c.Cmd+
		"\n)\nclawrun_rc=$?\nprintf '\\n%s %d\\n' '"+outEnd+"' \"$clawrun_rc\"; printf '\\n%s\\n' '"+outEnd+"' >&2\nexit \"$clawrun_rc\"")
	return p, nil
}

// ProbeResult is a command's result when its probe skipped it (creates,
// unless): not changed, exit code 0, stdout that of unless when captured.
func (c *Command) ProbeResult(out string) (Result, bool) {
	m := kv(out)
	if m["creates"] != "1" && m["unless"] != "1" {
		return Result{}, false
	}
	r := Result{ChangedKnown: true, OutputKnown: true}
	if b, err := base64.StdEncoding.DecodeString(m["unless_stdout"]); err == nil {
		r.Stdout = strings.TrimRight(string(b), "\n")
	}
	return r, true
}

// RunResult reads the command's output from its step's: the text between
// the markers without its final newline (bounded), and its exit status.
func RunResult(stdout, stderr string) (Result, bool) {
	out, code, ok := between(stdout, true)
	if !ok {
		return Result{}, false
	}
	errOut, _, _ := between(stderr, false)
	return Result{ChangedKnown: true, Changed: true, OutputKnown: true, Stdout: out, Stderr: errOut, ExitCode: code}, true
}

func between(s string, withCode bool) (string, int, bool) {
	i := strings.Index(s, outBegin+"\n")
	j := strings.LastIndex(s, "\n"+outEnd)
	if i < 0 || j < i+len(outBegin) {
		return "", 0, false
	}
	body := s[i+len(outBegin)+1 : j]
	code := 0
	if withCode {
		rest, _, _ := strings.Cut(s[j+len(outEnd)+1:], "\n")
		n, err := strconv.Atoi(strings.TrimSpace(rest))
		if err != nil {
			return "", 0, false
		}
		code = n
	}
	body = strings.TrimSuffix(body, "\n")
	if len(body) > maxOutput {
		body = body[:maxOutput]
	}
	return body, code, true
}

// Result is what a task did, as later tasks read it (task.<module>.<name>).
type Result struct {
	Skipped      bool // when was false: every value is null
	ChangedKnown bool // false in plan when that cannot be told yet
	Changed      bool
	// Command only: known when the command ran, or was skipped by creates
	// or unless (their values come from the probe).
	OutputKnown    bool
	Stdout, Stderr string
	ExitCode       int
	Sensitive      bool // derived from a sensitive value
}

var endMarker = regexp.MustCompile(`\n` + outEnd + `(?: -?[0-9]+)?(?:\n|$)`)

// StripOutputMarkers removes a command step's markers from its output, for
// messages: what is left reads as the command printed it.
func StripOutputMarkers(s string) string {
	if !strings.Contains(s, "@@clawrun-command-") {
		return s
	}
	s = endMarker.ReplaceAllString(s, "\n") // stdout's marker carries the exit status
	s = strings.ReplaceAll(s, outBegin+"\n", "")
	return strings.TrimRight(s, "\n") + "\n"
}
