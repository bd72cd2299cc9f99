package modules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Module is one task's decoded configuration.
type Module interface {
	// Probe returns a POSIX shell script whose standard output describes the
	// state the module manages. It runs with the task's privileges and must not
	// change anything.
	Probe() string
	// Plan compares the probed state with the configuration. It is a pure
	// function of its inputs: plan and apply both call it.
	Plan(h *Host, out string) (*Plan, error)
}

// Checker is implemented by modules that can check their configuration
// before any host is contacted (cron schedules, jq programs, templates).
// Fields whose value was unknown at check time hold their zero value and must
// be accepted.
type Checker interface {
	Check(attrs Attrs) hcl.Diagnostics
}

// Attrs describes the attributes a module's configuration was decoded from.
type Attrs map[string]Attr

// Attr is one decoded attribute.
type Attr struct {
	Range     hcl.Range
	Known     bool // false when the value depends on the host (validate time)
	Sensitive bool // derived from a sensitive value
}

// Diag builds an error diagnostic located at attribute name (or at the
// block when the attribute is absent).
func (a Attrs) Diag(name, summary, detail string) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail}
	if at, ok := a[name]; ok {
		r := at.Range
		d.Subject = &r
	} else if at, ok := a[""]; ok {
		r := at.Range
		d.Subject = &r
	}
	return d
}

// Host is what a module may know about its target when planning.
type Host struct {
	Name  string
	Facts Facts
	// SSHPort and SSHClient describe the connection in use, as the host sees
	// it (from $SSH_CONNECTION); zero for local connections. The ufw lock-out
	// guard needs both.
	SSHPort   int
	SSHClient string
	SSHServer string // the host's address of that connection
	// Local is true for a connection without SSH (connection = "local",
	// delegated tasks): no SSH connection can be locked out.
	Local bool
	// User is the login user of the connection.
	User string
	// Pending holds the files that earlier tasks of this plan would write;
	// in apply they have been written and the probe sees them. Modules use
	// it so that plan predicts exactly what apply will do when several tasks
	// touch one file, or a unit file changes before its service.
	Pending map[string]*FileState
	// Claims maps what earlier tasks of this run manage exclusively (a
	// cron entry) to the task's name, in plan and apply alike: two tasks
	// managing one thing would undo each other on every run.
	Claims map[string]string
}

// FileState is a file as a plan predicts it.
type FileState struct {
	Absent  bool
	Known   bool // Content is known (else only "will change")
	Content []byte
	Mode    string
	Owner   string
	Group   string
	// Dir and Link say the path becomes a directory or a symlink to Link
	// (Content is then unused).
	Dir  bool
	Link string
	// Loaded: an earlier task's daemon-reload read this write already.
	Loaded bool
}

// Facts are gathered in the first round trip to each host.
type Facts struct {
	OSID      string
	OSVersion string
	Arch      string
	Hostname  string
	MemoryMB  int64
	Init      string
}

// Plan is what a module decided: the change to show and the steps that make it.
type Plan struct {
	// Lines summarise the change, one per created (+), changed (~) or
	// removed (-) thing.
	Lines []Line
	// Diff is a unified diff (or other detail) of the change, may be empty.
	Diff string
	// Steps are shell scripts that make the change, run in order.
	Steps []Step
	// Opaque says what applying this plan does beyond what it can predict
	// (a package's maintainer scripts write files, enable services). Plans
	// of later tasks then carry a caveat, since they see the host as it is.
	Opaque string
	// Writes predicts the files the steps write, by path; the runner feeds
	// them to later tasks' plans (Host.Pending) and guards sshd changes.
	Writes map[string]*FileState
	// Touches names state this change affects that Writes does not model
	// (a firewall's rule set): later tasks whose StateKeys meet it are
	// planned with a caveat naming this task.
	Touches []string
	// Checks run in apply like steps but change nothing (a wait polling a
	// port): a plan with checks and no steps is not a change.
	Checks []Step
	// Claims are the things this task manages exclusively (see Host.Claims).
	Claims []string
	// Unit is the systemd unit whose state the steps change (service
	// tasks): after steps that change ssh, the runner's sshd lock-out
	// guard checks that a fresh login still works.
	Unit string
}

// Owner is implemented by modules that own a named object outright (an
// apt repository's sources file and keyring): two tasks of one playbook
// owning the same object would replace each other's files on every run.
// Owns returns the object ("apt_repository \"x\"", "" when it has no name
// yet), the attribute naming it, and the files at stake.
type Owner interface {
	Owns() (object, attr, files string)
}

// Keyed is implemented by modules whose state is not one file: the keys
// (paths or names such as "ufw") that earlier tasks' Touches may affect.
type Keyed interface {
	StateKeys() []string
}

func (p *Plan) writes(path string, f *FileState) {
	if p.Writes == nil {
		p.Writes = map[string]*FileState{}
	}
	p.Writes[path] = f
}

// Changed reports whether applying the plan changes the host.
func (p *Plan) Changed() bool { return len(p.Steps) > 0 }

// Line is one summary line of a plan.
type Line struct {
	Sign string `json:"sign"` // "+", "~", "-" (or "!" for handlers)
	Text string `json:"text"`
}

func (p *Plan) add(sign, format string, args ...any) {
	p.Lines = append(p.Lines, Line{Sign: sign, Text: fmt.Sprintf(format, args...)})
}

// Step is one remote action. Data travels inside Script (base64), never on a
// command line, so secrets do not show in the target's process list.
type Step struct {
	Desc   string
	Script string
	// Upload, when set, is content too large to travel inside the script:
	// the runner stages it on the host over SFTP and puts the staged file's
	// quoted path where Script says StagedToken.
	Upload []byte
}

// StagedToken stands in a step's script for the staged upload's path.
const StagedToken = "@CLAWRUN_STAGED@"

// StageThreshold is the size above which file content goes over SFTP.
const StageThreshold = 64 * 1024

func (p *Plan) step(desc, script string) {
	p.Steps = append(p.Steps, Step{Desc: desc, Script: script})
}

// Stabler is implemented by modules whose probe output holds values that
// change without the state changing (an age in seconds); saved plans
// compare the stable form to detect drift.
type Stabler interface {
	Stable(out string) string
}

// Constructor makes an empty configuration for decoding.
type Constructor func() Module

// Registry maps module names to constructors; it is the whole list.
var Registry = map[string]Constructor{
	"file":     func() Module { return &File{} },
	"template": func() Module { return &Template{} },
	"service":  func() Module { return &Service{} },
	"apt":      func() Module { return &Apt{} },
	"ufw":      func() Module { return &UFW{} },
	"cron":     func() Module { return &Cron{} },
	"jq-edit":  func() Module { return &JQEdit{} },
	"command":  func() Module { return &Command{} },
	"line":     func() Module { return &LineInFile{} },
	"user":     func() Module { return &User{} },
	"wait":     func() Module { return &Wait{} },

	"apt_repository": func() Module { return &AptRepository{} },
}

// Names lists the registered modules, sorted.
func Names() []string {
	var n []string
	for k := range Registry {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// oneOf checks an enumerated attribute.
func oneOf(attrs Attrs, name, val string, allowed ...string) hcl.Diagnostics {
	if val == "" {
		return nil
	}
	for _, a := range allowed {
		if val == a {
			return nil
		}
	}
	return hcl.Diagnostics{attrs.Diag(name, "Invalid value for "+name,
		fmt.Sprintf("%q is not one of %s.", val, strings.Join(allowed, ", ")))}
}
