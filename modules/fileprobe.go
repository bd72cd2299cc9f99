package modules

import (
	"fmt"
	"sort"
	"strings"
)

// FileProber is implemented by modules whose state is one path as
// fileProbe reports it. The runner probes all such paths of a host
// together: one stat and one sha256sum for every path, a base64 only for
// content that differs from what is wanted.
type FileProber interface {
	// FileProbe returns the path and the sha256 of the wanted content
	// ("" when the module needs the current content whatever it is).
	FileProbe() (path, want string)
}

var (
	_ FileProber = (*File)(nil)
	_ FileProber = (*Template)(nil)
	_ FileProber = (*LineInFile)(nil)
	_ FileProber = (*JQEdit)(nil)
)

// FileProbe implements FileProber.
func (f *File) FileProbe() (string, string) {
	if f.state() == "link" {
		return f.Path, "" // a regular file there: its content, to show what the link destroys
	}
	if f.hasData {
		return f.Path, sha(f.data)
	}
	return f.Path, "-" // no content wanted at all
}

// FileProbe implements FileProber.
func (t *Template) FileProbe() (string, string) { return t.asFile().FileProbe() }

// FileProbe implements FileProber.
func (l *LineInFile) FileProbe() (string, string) { return l.Path, "" }

// FileProbe implements FileProber.
func (j *JQEdit) FileProbe() (string, string) { return j.Path, "" }

// FileSpec is one path to probe and the sha256 its content should have.
type FileSpec struct{ Path, Want string }

// BatchFileProbe returns one script that probes every path: builtins for
// the type, one stat and one sha256sum for all, base64 per differing file.
func BatchFileProbe(specs []FileSpec) string {
	wants := map[string][]string{}
	var paths []string
	for _, s := range specs {
		if _, ok := wants[s.Path]; !ok {
			paths = append(paths, s.Path)
		}
		wants[s.Path] = append(wants[s.Path], s.Want)
	}
	sort.Strings(paths)
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = Quote(p)
	}
	all := strings.Join(q, " ")
	var b strings.Builder
	fmt.Fprintf(&b, "a=\nfor p in %s; do\n", all)
	b.WriteString(`  if [ -L "$p" ]; then printf 'L\t%s\t%s\n' "$p" "$(readlink "$p")"; elif [ -e "$p" ]; then printf 'E\t%s\n' "$p"; else printf 'A\t%s\n' "$p"; a=1; fi
done
`)
	// A file created later inherits its directory's group when the
	// directory is setgid: stat the parents, only when a path is absent.
	var parents []string
	seen := map[string]bool{}
	for _, p := range paths {
		if d := dirOf(p); !seen[d] {
			seen[d] = true
			parents = append(parents, Quote(d))
		}
	}
	fmt.Fprintf(&b, "if [ -n \"$a\" ]; then stat --printf 'P\\t%%a\\t%%G\\t%%n\\n' -- %s 2>/dev/null; fi\n", strings.Join(parents, " "))
	fmt.Fprintf(&b, "stat --printf 'S\\t%%F\\t%%a\\t%%U\\t%%G\\t%%s\\t%%n\\n' -- %s 2>/dev/null\n", all)
	// Only regular files are hashed: a FIFO or device would block.
	fmt.Fprintf(&b, "set --\nfor p in %s; do if [ -f \"$p\" ] && [ ! -L \"$p\" ]; then set -- \"$@\" \"$p\"; fi; done\n", all)
	b.WriteString("sums=\nif [ $# -gt 0 ]; then sums=$(sha256sum -- \"$@\" 2>/dev/null); printf '%s\\n' \"$sums\"; fi\n")
	for _, p := range paths {
		qp := Quote(p)
		content := fmt.Sprintf("if [ -f %s ] && [ ! -L %s ]; then printf 'C\\t%%s\\t' %s; base64 -w0 < %s; echo; fi\n", qp, qp, qp, qp)
		ws := wants[p]
		switch {
		case contains(ws, "-") && len(ws) == 1:
			// content not needed
		case contains(ws, "") || !same(ws):
			b.WriteString(content)
		default:
			fmt.Fprintf(&b, "case \"$sums\" in *%s*) ;; *) %s;; esac\n", Quote(sumLine(ws[0], p)), strings.TrimSuffix(content, "\n"))
		}
	}
	return b.String()
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func same(ss []string) bool {
	for _, s := range ss {
		if s != ss[0] {
			return false
		}
	}
	return true
}

// SplitFileProbe turns BatchFileProbe's output into each path's output in
// fileProbe's format, so that modules plan from it unchanged.
func SplitFileProbe(out string) map[string]string {
	type st struct {
		kind, target, ftype, mode, owner, group, size, sha, content string
		hasContent                                                  bool
	}
	parents := map[string][2]string{}
	m := map[string]*st{}
	get := func(p string) *st {
		if m[p] == nil {
			m[p] = &st{}
		}
		return m[p]
	}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Split(l, "\t")
		switch {
		case len(f) == 3 && f[0] == "L":
			s := get(f[1])
			s.kind, s.target = "link", f[2]
		case len(f) == 2 && f[0] == "E":
			get(f[1]).kind = "exists"
		case len(f) == 2 && f[0] == "A":
			get(f[1]).kind = "absent"
		case len(f) == 4 && f[0] == "P":
			parents[f[3]] = [2]string{f[1], f[2]}
		case len(f) == 7 && f[0] == "S":
			s := get(f[6])
			s.ftype, s.mode, s.owner, s.group, s.size = f[1], f[2], f[3], f[4], f[5]
		case len(f) == 3 && f[0] == "C":
			s := get(f[1])
			s.content, s.hasContent = f[2], true
		default:
			if sum, p, ok := parseSumLine(l); ok {
				get(p).sha = sum
			}
		}
	}
	res := map[string]string{}
	for p, s := range m {
		var b strings.Builder
		switch {
		case s.kind == "link":
			fmt.Fprintf(&b, "type=link\ntarget=%s\n", s.target)
		case s.kind == "exists":
			t := "other"
			switch s.ftype {
			case "regular file", "regular empty file":
				t = "file"
			case "directory":
				t = "directory"
			}
			fmt.Fprintf(&b, "type=%s\nmode=%s\nowner=%s\ngroup=%s\nsize=%s\n", t, s.mode, s.owner, s.group, s.size)
			if t == "file" {
				fmt.Fprintf(&b, "sha256=%s\n", s.sha)
				if s.hasContent {
					fmt.Fprintf(&b, "content=%s\n", s.content)
				}
			}
		case s.kind == "absent":
			b.WriteString("type=absent\n")
			if pd, ok := parents[dirOf(p)]; ok {
				fmt.Fprintf(&b, "parent_mode=%s\nparent_group=%s\n", pd[0], pd[1])
			}
		default:
			continue
		}
		res[p] = b.String()
	}
	return res
}

// sumLine is the line sha256sum prints for a file: a name holding a
// backslash or newline is escaped and the line starts with a backslash.
func sumLine(sum, p string) string {
	if !strings.ContainsAny(p, "\\\n") {
		return sum + "  " + p
	}
	p = strings.NewReplacer("\\", "\\\\", "\n", "\\n").Replace(p)
	return "\\" + sum + "  " + p
}

// parseSumLine reads one sha256sum line, escaped names included.
func parseSumLine(l string) (sum, p string, ok bool) {
	escaped := strings.HasPrefix(l, "\\")
	if escaped {
		l = l[1:]
	}
	if len(l) <= 66 || l[64] != ' ' || l[65] != ' ' {
		return "", "", false
	}
	sum, p = l[:64], l[66:]
	if escaped {
		p = strings.NewReplacer("\\\\", "\\", "\\n", "\n").Replace(p)
	}
	return sum, p, true
}
