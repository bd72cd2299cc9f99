package modules

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// File manages a file, directory or symlink.
type File struct {
	// Path is the absolute path on the host.
	Path string `hcl:"path"`
	// State is file (default), directory, absent or link.
	State string `hcl:"state,optional"`
	// Content is the file's full content.
	Content *string `hcl:"content,optional"`
	// Source is a file on the controller to copy, relative to the playbook.
	Source string `hcl:"source,optional"`
	// Target is the link target, for state = "link".
	Target string `hcl:"target,optional"`
	// Mode is the octal permission mode, e.g. "0644".
	Mode string `hcl:"mode,optional"`
	// Owner is the owning user name.
	Owner string `hcl:"owner,optional"`
	// Group is the owning group name.
	Group string `hcl:"group,optional"`
	// Validate is a command run on the temp file before it replaces the
	// target; %s stands for the temp file's path.
	Validate string `hcl:"validate,optional"`
	// Backup keeps the replaced file as <path>.<timestamp>.bak.
	Backup bool `hcl:"backup,optional"`

	// data is the desired content once Content or Source is resolved.
	data []byte
	// hasData is false when neither content nor source is set: the file's
	// content is then left alone.
	hasData bool
}

var (
	_ Module  = (*File)(nil)
	_ Checker = (*File)(nil)
	_ Sourcer = (*File)(nil)
)

// Sourcer is implemented by modules that read files on the controller
// (source files, templates). The loader resolves paths against the playbook.
type Sourcer interface {
	LoadSources(l Loader, attrs Attrs) hcl.Diagnostics
}

// Loader gives modules access to the controller's files and templates.
type Loader interface {
	ReadFile(attrs Attrs, attr, path string) ([]byte, hcl.Diagnostics)
	// RenderTemplate renders an HCL template file with vars visible as
	// top-level names beside var, local, host and each.
	RenderTemplate(attrs Attrs, attr, path string, vars map[string]cty.Value) (string, hcl.Diagnostics)
}

// BoundedLoader reads a controller file of at most max bytes: a
// non-regular file (a device, a FIFO) or a larger one is a diagnostic,
// and no more than max+1 bytes are read.
type BoundedLoader interface {
	ReadFileMax(attrs Attrs, attr, path string, max int64) ([]byte, hcl.Diagnostics)
}

// Check validates the configuration without a host.
func (f *File) Check(a Attrs) hcl.Diagnostics {
	diags := oneOf(a, "state", f.State, "file", "directory", "absent", "link")
	diags = append(diags, checkPath(a, "path", f.Path)...)
	diags = append(diags, checkPathLine(a, f.Path)...)
	if f.Content != nil && f.Source != "" {
		diags = append(diags, a.Diag("source", "Conflicting attributes", "Set content or source, not both."))
	}
	if at, set := a["target"]; f.State == "link" && f.Target == "" && (!set || at.Known) {
		diags = append(diags, a.Diag("state", "Missing target", `state = "link" needs target.`))
	}
	if f.Mode != "" && !isOctal(f.Mode) {
		diags = append(diags, a.Diag("mode", "Invalid mode", fmt.Sprintf("%q is not an octal mode such as \"0644\".", f.Mode)))
	}
	return diags
}

// checkPathLine refuses a path with a line break: probes print paths one
// per line, and the host's tools (stat, sha256sum) print them back.
func checkPathLine(a Attrs, p string) hcl.Diagnostics {
	if strings.ContainsAny(p, "\n\r") {
		return hcl.Diagnostics{a.Diag("path", "Invalid path", "A path must not contain a line break.")}
	}
	return nil
}

func isOctal(m string) bool {
	if len(m) < 3 || len(m) > 4 {
		return false
	}
	for _, c := range m {
		if c < '0' || c > '7' {
			return false
		}
	}
	return true
}

// LoadSources reads source on the controller.
func (f *File) LoadSources(l Loader, a Attrs) hcl.Diagnostics {
	switch {
	case f.Content != nil:
		f.data, f.hasData = []byte(*f.Content), true
	case f.Source != "":
		b, diags := l.ReadFile(a, "source", f.Source)
		if diags.HasErrors() {
			return diags
		}
		f.data, f.hasData = b, true
	}
	return nil
}

// SetContent sets the desired content directly (template, jq-edit).
func (f *File) SetContent(b []byte) { f.data, f.hasData = b, true }

func (f *File) state() string {
	if f.State == "" {
		return "file"
	}
	return f.State
}

// Probe reports type, metadata and, when it differs, the content.
func (f *File) Probe() string {
	want := ""
	if f.hasData {
		want = sha(f.data)
	}
	return fileProbe(f.Path, want)
}

// MaxContent is the largest file whose content a probe reads: modules that
// edit content (line, jq-edit, cron.d) refuse larger files, and file shows
// their change by size and sha256 (as it does above 256 KiB anyway).
const MaxContent = 16 << 20

// fileProbe prints type=, mode=, owner=, group=, size=, sha256=, target=
// (base64) and content= (base64) lines; content only when its sha256
// differs from want and the file is at most MaxContent bytes. The link
// target is the host's (any bytes, newlines too): base64, so it cannot
// forge other lines.
func fileProbe(p, want string) string {
	q := Quote(p)
	return readFunc + fmt.Sprintf(`p=%s
if [ -L "$p" ]; then printf 'type=link\ntarget='; clawrun_readlink "$p" | base64 -w0; echo
elif [ -e "$p" ]; then
if [ -d "$p" ]; then echo type=directory; elif [ -f "$p" ]; then echo type=file; else echo type=other; fi
stat --printf 'mode=%%a\nowner=%%U\ngroup=%%G\nsize=%%s\nowner_id=%%u\ngroup_id=%%g\n' -- "$p"
if [ -f "$p" ]; then s=$(sha256sum < "$p"); s=${s%%%% *}; echo "sha256=$s"
  z=$(stat -c %%s -- "$p")
  if [ "$s" != %s ] && [ "$z" -le %d ]; then clawrun_read "$p" "$z" content= content_denied=1; fi
fi
else echo type=absent; stat --printf 'parent_mode=%%a\nparent_group=%%G\n' -- "${p%%/*}/" 2>/dev/null; fi
`, q, Quote(want), MaxContent)
}

// fileState is the parsed output of fileProbe.
type fileState struct {
	Type, Mode, Owner, Group, SHA256, Target string
	// OwnerID and GroupID are the numeric ids: an owner or group given
	// as a number is compared with them.
	OwnerID, GroupID string
	// Guard is the write guard's predicted decision (predictGuard), from
	// batched probes; "" when not known.
	Guard      string
	Size       int64
	Content    []byte
	HasContent bool
	// ContentDenied: the content was not read, since the write guard
	// refuses the path or the user who controls its folder cannot read
	// it (readFunc). ContentDeferred: this host's batched probe had no
	// room left for it (BatchFileProbe); the runner probes it alone.
	ContentDenied, ContentDeferred bool
	// ParentMode and ParentGroup describe the directory of an absent path.
	ParentMode, ParentGroup string
}

// parseFileProbe parses fileProbe output. A key given twice, content that
// does not decode or does not match the probed sha256 is an error: the
// output is the host's, and a plan from half a file would replace it.
func parseFileProbe(out string) (fileState, error) {
	m, err := kvOnce(out)
	if err != nil {
		return fileState{}, err
	}
	s := fileState{Type: m["type"], Mode: normMode(m["mode"]), Owner: m["owner"], Group: m["group"], SHA256: m["sha256"], Guard: m["guard"],
		OwnerID: m["owner_id"], GroupID: m["group_id"],
		ParentMode: normMode(m["parent_mode"]), ParentGroup: m["parent_group"],
		ContentDenied: m["content_denied"] == "1", ContentDeferred: m["content_deferred"] == "1"}
	if s.Type == "" {
		return s, fmt.Errorf("unexpected probe output %q", firstLine(out))
	}
	if t, ok := m["target"]; ok {
		b, err := base64.StdEncoding.DecodeString(t)
		if err != nil {
			return s, fmt.Errorf("decode link target: %w", err)
		}
		s.Target = strings.TrimSuffix(string(b), "\n")
	}
	if v, ok := m["size"]; ok {
		if s.Size, err = strconv.ParseInt(v, 10, 64); err != nil {
			return s, fmt.Errorf("unexpected size %q in probe output", v)
		}
	}
	if c, ok := m["content"]; ok {
		b, err := base64.StdEncoding.DecodeString(c)
		if err != nil {
			return s, fmt.Errorf("decode content: %w", err)
		}
		if sha(b) != s.SHA256 {
			return s, fmt.Errorf("the content read does not match its sha256 (%d bytes read); the file changed during the probe, or the output was cut", len(b))
		}
		s.Content, s.HasContent = b, true
	}
	return s, nil
}

// needContent fails when an editing module did not get the file's content.
func (s fileState) needContent(path, module string) error {
	if s.Type != "file" || s.HasContent {
		return nil
	}
	if s.Size > MaxContent {
		return fmt.Errorf("%s is %d bytes; %s edits files up to %d MiB (use file with source or content for larger ones)", path, s.Size, module, MaxContent>>20)
	}
	if s.ContentDenied {
		if err := s.checkGuard(path, ""); err != nil {
			return err
		}
		if rest, ok := strings.CutPrefix(s.Guard, "user:"); ok {
			u, dir, _ := strings.Cut(rest, ":")
			return fmt.Errorf("%s cannot be read as %s, who owns %s: clawrun reads files there with that user's rights (it may be a symlink of theirs); fix the path or its permissions", path, u, dir)
		}
		return fmt.Errorf("%s cannot be read with the rights of the user who controls its folder: clawrun reads files there with that user's rights; fix the path or its permissions", path)
	}
	if s.ContentDeferred {
		return fmt.Errorf("%s (%d bytes) was not read: the file probe of this host reads at most %d MiB of content at once; run again with fewer large files", path, s.Size, BatchContentBudget>>20)
	}
	return fmt.Errorf("the probe of %s returned no content", path)
}

// Plan decides what to change.
func (f *File) Plan(h *Host, out string) (*Plan, error) {
	cur, err := parseFileProbe(out)
	if err != nil {
		return nil, err
	}
	cur = overlay(h, f.Path, cur)
	p := &Plan{}
	q := Quote(f.Path)
	switch f.state() {
	case "absent":
		if cur.Type != "absent" {
			p.add("-", "%s %s", cur.Type, f.Path)
			if cur.Type == "file" && cur.HasContent {
				p.Diff = textDiff(f.Path, cur.Content, nil, true)
			}
			p.step("remove "+f.Path, guarded(f.Path, "", "rm -rf -- "+q+"\n", ""))
			p.writes(f.Path, &FileState{Absent: true, Known: true})
		}
	case "directory":
		switch cur.Type {
		case "absent":
			p.add("+", "directory %s%s", f.Path, attrNote(f.Mode, f.Owner, f.Group))
			p.step("create "+f.Path, guarded(f.Path, f.Owner, "set -e\nmkdir -p -- "+q+"\n"+attrScript(q, f.Mode, f.Owner, f.Group), ""))
			p.writes(f.Path, &FileState{Known: true, Dir: true, Mode: normMode(f.Mode), Owner: f.Owner, Group: f.Group})
			inherit(p, h, f.Path, cur, f.Mode, f.Group)
		case "directory":
			f.planAttrs(p, cur)
		default:
			return nil, fmt.Errorf("%s exists and is a %s, not a directory", f.Path, cur.Type)
		}
	case "link":
		if cur.Type == "link" && cur.Target == f.Target {
			return p, nil
		}
		if cur.Type == "directory" {
			return nil, fmt.Errorf("%s is a directory; refusing to replace it with a link", f.Path)
		}
		sign := "+"
		if cur.Type != "absent" {
			sign = "~"
		}
		if cur.Type == "file" && cur.HasContent {
			// The link replaces the file: show what is lost.
			p.Diff = textDiff(f.Path, cur.Content, nil, true)
		}
		p.add(sign, "link %s -> %s", f.Path, f.Target)
		p.writes(f.Path, &FileState{Known: true, Link: f.Target})
		p.step("link "+f.Path, guarded(f.Path, "", fmt.Sprintf("set -e\nt=%s\nln -sfn -- %s \"$t\"\nmv -fT \"$t\" %s\n",
			Quote(dirOf(f.Path)+"/.clawrun."+baseOf(f.Path)+".link"), Quote(f.Target), q), ""))
	default:
		if err := f.planFile(h, p, cur); err != nil {
			return nil, err
		}
	}
	owner := f.Owner
	if f.state() == "absent" || f.state() == "link" {
		owner = ""
	}
	if p.Changed() {
		if err := cur.checkGuard(f.Path, owner); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (f *File) planFile(h *Host, p *Plan, cur fileState) error {
	switch cur.Type {
	case "absent":
		if err := creatable(h, f.Path); err != nil {
			return err
		}
		p.add("+", "file %s%s", f.Path, attrNote(f.Mode, f.Owner, f.Group))
		p.Diff = textDiff(f.Path, nil, f.data, false)
		p.write(f.spec())
		inherit(p, h, f.Path, cur, f.Mode, f.Group)
		return nil
	case "file":
	case "link":
		p.add("~", "link %s replaced by a file", f.Path)
		p.Diff = textDiff(f.Path, nil, f.data, false)
		p.write(f.spec())
		return nil
	default:
		// Writing would fail (a directory) or block (a FIFO); replacing it
		// would destroy what it holds. Neither may pass as "ok".
		what := "a " + cur.Type
		if cur.Type == "other" {
			what = "a FIFO, socket or device"
		}
		return fmt.Errorf("%s is %s, not a regular file: remove it first (a file task with state = \"absent\") or choose another path", f.Path, what)
	}
	if f.hasData && cur.SHA256 != sha(f.data) {
		p.add("~", "file %s%s", f.Path, attrChange(cur, f.Mode, f.Owner, f.Group))
		if cur.HasContent {
			p.Diff = textDiff(f.Path, cur.Content, f.data, true)
		} else {
			p.Diff = fmt.Sprintf("binary or large content: %d bytes sha256:%s -> %d bytes sha256:%s\n", cur.Size, cur.SHA256, len(f.data), sha(f.data))
		}
		p.write(f.spec())
		return nil
	}
	f.planAttrs(p, cur)
	return nil
}
