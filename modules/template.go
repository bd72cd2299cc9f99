package modules

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Template renders an HCL template on the controller, then behaves as file.
type Template struct {
	// Source is the template file, relative to the playbook.
	Source string `hcl:"source"`
	// Path is the absolute destination path on the host.
	Path string `hcl:"path"`
	// Vars are visible in the template as top-level names.
	Vars map[string]cty.Value `hcl:"vars,optional"`
	// Mode is the octal permission mode, e.g. "0644".
	Mode string `hcl:"mode,optional"`
	// Owner is the owning user name.
	Owner string `hcl:"owner,optional"`
	// Group is the owning group name.
	Group string `hcl:"group,optional"`
	// Validate is a command run on the temp file; %s is its path.
	Validate string `hcl:"validate,optional"`
	// Backup keeps the replaced file as <path>.<timestamp>.bak.
	Backup bool `hcl:"backup,optional"`

	file File
}

var (
	_ Module  = (*Template)(nil)
	_ Checker = (*Template)(nil)
	_ Sourcer = (*Template)(nil)
)

func (t *Template) asFile() *File {
	t.file.Path, t.file.Mode, t.file.Owner, t.file.Group = t.Path, t.Mode, t.Owner, t.Group
	t.file.Validate, t.file.Backup = t.Validate, t.Backup
	return &t.file
}

// Check validates the destination like file does.
func (t *Template) Check(a Attrs) hcl.Diagnostics { return t.asFile().Check(a) }

// LoadSources renders the template; syntax errors and unknown names are
// diagnostics located in the template file.
func (t *Template) LoadSources(l Loader, a Attrs) hcl.Diagnostics {
	out, diags := l.RenderTemplate(a, "source", t.Source, t.Vars)
	if !diags.HasErrors() {
		t.asFile().SetContent([]byte(out))
	}
	return diags
}

// Probe is file's probe.
func (t *Template) Probe() string { return t.asFile().Probe() }

// Plan is file's plan.
func (t *Template) Plan(h *Host, out string) (*Plan, error) { return t.asFile().Plan(h, out) }
