package modules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// LineInFile ensures one line in a text file.
type LineInFile struct {
	// Path is the absolute path of the file.
	Path string `hcl:"path"`
	// Line is the exact line (without newline).
	Line string `hcl:"line,optional"`
	// Regexp (RE2 syntax) selects the line to replace (present) or the lines
	// to remove (absent). With present, the last match is replaced.
	Regexp string `hcl:"regexp,optional"`
	// State is present (default) or absent.
	State string `hcl:"state,optional"`
	// Create makes the file (mode 0644) when it does not exist.
	Create bool `hcl:"create,optional"`
	// Mode, Owner and Group apply when the file is written.
	Mode  string `hcl:"mode,optional"`
	Owner string `hcl:"owner,optional"`
	Group string `hcl:"group,optional"`
	// Validate is a command run on the temp file; %s is its path.
	Validate string `hcl:"validate,optional"`
}

var (
	_ Module  = (*LineInFile)(nil)
	_ Checker = (*LineInFile)(nil)
)

// Check validates the configuration.
func (l *LineInFile) Check(a Attrs) hcl.Diagnostics {
	diags := oneOf(a, "state", l.State, "present", "absent")
	diags = append(diags, checkPath(a, "path", l.Path)...)
	diags = append(diags, checkPathLine(a, l.Path)...)
	if l.Regexp != "" {
		rx, err := regexp.Compile(l.Regexp)
		if err != nil {
			diags = append(diags, a.Diag("regexp", "Invalid regular expression", err.Error()))
		} else if l.State != "absent" && a["line"].Known && !rx.MatchString(l.Line) {
			// Otherwise the replaced line no longer matches and every run
			// would replace the last match again.
			diags = append(diags, a.Diag("regexp", "regexp does not match line",
				fmt.Sprintf("%q must match the line it puts in place (%q), or the task never settles.", l.Regexp, l.Line)))
		}
	}
	if l.State != "absent" && strings.Contains(l.Line, "\n") {
		diags = append(diags, a.Diag("line", "Invalid line", "line must not contain a newline."))
	}
	return diags
}

// Probe returns the whole file.
func (l *LineInFile) Probe() string { return fileProbe(l.Path, "") }

// Plan edits the content in memory and diffs it.
func (l *LineInFile) Plan(h *Host, out string) (*Plan, error) {
	cur, err := parseFileProbe(out)
	if err != nil {
		return nil, err
	}
	cur = overlay(h, l.Path, cur)
	if err := cur.needContent(l.Path, "line"); err != nil {
		return nil, err
	}
	p := &Plan{}
	switch cur.Type {
	case "absent":
		if l.State == "absent" {
			return p, nil
		}
		if !l.Create {
			return nil, fmt.Errorf("%s does not exist (set create = true to create it)", l.Path)
		}
		if err := creatable(h, l.Path); err != nil {
			return nil, err
		}
	case "file":
	default:
		return nil, fmt.Errorf("%s is a %s, not a file", l.Path, cur.Type)
	}
	next := EditLines(string(cur.Content), l.Line, l.Regexp, l.State != "absent")
	if next == string(cur.Content) && cur.Type == "file" {
		// Same lines: only attributes may differ, as for jq-edit.
		f := &File{Path: l.Path, Mode: l.Mode, Owner: l.Owner, Group: l.Group}
		f.planAttrs(p, cur)
		return p, nil
	}
	sign, note := "~", attrChange(cur, l.Mode, l.Owner, l.Group)
	if cur.Type == "absent" {
		sign, note = "+", attrNote(l.Mode, l.Owner, l.Group)
	}
	p.add(sign, "file %s%s", l.Path, note)
	p.Diff = textDiff(l.Path, cur.Content, []byte(next), cur.Type == "file")
	if err := cur.checkGuard(l.Path, l.Owner); err != nil {
		return nil, err
	}
	p.write(WriteSpec{Path: l.Path, Content: []byte(next), Mode: normMode(l.Mode), Owner: l.Owner, Group: l.Group, Validate: l.Validate})
	if cur.Type == "absent" {
		inherit(p, h, l.Path, cur, l.Mode, l.Group)
	}
	return p, nil
}

// EditLines returns content with line ensured present or absent. It is a
// pure function, shared by plan and apply.
func EditLines(content, line, re string, present bool) string {
	var rx *regexp.Regexp
	if re != "" {
		rx = regexp.MustCompile(re)
	}
	trailing := content == "" || strings.HasSuffix(content, "\n")
	lines := strings.Split(strings.TrimSuffix(content, "\n"), "\n")
	if content == "" {
		lines = nil
	}
	match := func(s string) bool {
		if rx != nil {
			return rx.MatchString(s)
		}
		return s == line
	}
	if !present {
		kept := lines[:0:0]
		for _, s := range lines {
			if !match(s) {
				kept = append(kept, s)
			}
		}
		lines = kept
	} else {
		last := -1
		for i, s := range lines {
			if match(s) {
				last = i
			}
		}
		switch {
		case last >= 0:
			lines[last] = line
		default:
			found := false
			for _, s := range lines {
				found = found || s == line
			}
			if !found {
				lines = append(lines, line)
				trailing = true
			}
		}
	}
	out := strings.Join(lines, "\n")
	if trailing && len(lines) > 0 {
		out += "\n"
	}
	return out
}
