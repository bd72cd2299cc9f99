package modules

import "github.com/hashicorp/hcl/v2"

// Command runs a shell command: the escape hatch.
type Command struct {
	// Cmd runs with /bin/sh -c semantics (it is sent on stdin, not argv).
	Cmd string `hcl:"cmd"`
	// Creates skips the command when this path exists on the host.
	Creates string `hcl:"creates,optional"`
	// Unless skips the command when this command exits 0 (run at probe time).
	Unless string `hcl:"unless,optional"`
}

var (
	_ Module  = (*Command)(nil)
	_ Checker = (*Command)(nil)
)

// Check accepts any command.
func (c *Command) Check(Attrs) hcl.Diagnostics { return nil }

// Probe tests creates and unless.
func (c *Command) Probe() string {
	s := ""
	if c.Creates != "" {
		s += "if [ -e " + Quote(c.Creates) + " ]; then echo creates=1; fi\n"
	}
	if c.Unless != "" {
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
	p.step("run", c.Cmd)
	return p, nil
}
