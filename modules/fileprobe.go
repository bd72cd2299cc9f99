package modules

import (
	"fmt"
	"sort"
	"strconv"
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

// BatchContentBudget is how many bytes of file content one batched probe
// reads: in base64 with the rest of a host's probes, well within what the
// controller keeps of one script's output, and at least MaxContent, so a
// file probed alone always fits.
const BatchContentBudget = 2 * MaxContent

// ContentDeferred reports whether a path's output from SplitFileProbe
// lacks its content for want of room: probe it alone (its own batch).
func ContentDeferred(out string) bool {
	m := kv(out)
	return m["content_deferred"] == "1"
}

// FileSpec is one path to probe and the sha256 its content should have.
type FileSpec struct{ Path, Want string }

// BatchFileProbe returns one script that probes every path: builtins for
// the type, one stat and one sha256sum for all, base64 per differing file
// (of at most MaxContent bytes). Records name paths by their index in
// BatchPaths(specs), never by text the host prints back, and link targets
// travel in base64: a file name or link target holding newlines or tabs
// cannot forge a record for another path.
func BatchFileProbe(specs []FileSpec) string {
	paths, wants := batchPaths(specs)
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = Quote(p)
	}
	all := strings.Join(q, " ")
	var b strings.Builder
	b.WriteString(readFunc)
	fmt.Fprintf(&b, "i=0; for p in %s; do\n", all)
	b.WriteString(`  if [ -L "$p" ]; then printf 'L\t%d\t' "$i"; clawrun_readlink "$p" | base64 -w0; echo; elif [ -e "$p" ]; then printf 'E\t%d\n' "$i"; fi; i=$((i + 1))
done
`)
	// stat and sha256sum print the paths they were given; the parser maps
	// each line back to a requested path and rejects anything else.
	// The same stat reads the paths' parent folders: the plan predicts
	// the write guard's decision (guard.go) without a process more.
	anc := ancestors(paths)
	statArgs := all
	for _, d := range anc {
		statArgs += " " + Quote(d)
	}
	fmt.Fprintf(&b, "stat --printf 'S\\t%%F\\t%%a\\t%%U\\t%%G\\t%%s\\t%%u\\t%%g\\t%%n\\n' -- %s 2>/dev/null\n", statArgs)
	// Only regular files are hashed: a FIFO or device would block.
	fmt.Fprintf(&b, "set --\nfor p in %s; do if [ -f \"$p\" ] && [ ! -L \"$p\" ]; then set -- \"$@\" \"$p\"; fi; done\n", all)
	b.WriteString("sums=\nif [ $# -gt 0 ]; then sums=$(sha256sum -- \"$@\" 2>/dev/null); printf '%s\\n' \"$sums\"; fi\n")
	// Content travels within a budget, so that a user who makes the files
	// of several tasks large cannot push this script's output past what
	// the controller keeps (runner's maxStdout) and fail every task of the
	// host: a file past the budget gets an O record, and is probed alone.
	fmt.Fprintf(&b, `clawrun_cb=%d
clawrun_content() {
  [ -f "$2" ] && [ ! -L "$2" ] || return 0
  z=$(stat -c %%s -- "$2") || return 0
  [ "$z" -le %d ] || return 0
  if [ "$z" -gt "$clawrun_cb" ]; then printf 'O\t%%s\n' "$1"; return 0; fi
  clawrun_cb=$((clawrun_cb - z))
  clawrun_read "$2" "$z" "$(printf 'C\t%%s\t' "$1")" "$(printf 'D\t%%s' "$1")"
}
`, BatchContentBudget, MaxContent)
	for i, p := range paths {
		content := fmt.Sprintf("clawrun_content %d %s\n", i, Quote(p))
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

// ancestors is every parent folder of paths (lexical, below /) that is
// not itself one of paths, sorted.
func ancestors(paths []string) []string {
	asked := map[string]bool{}
	for _, p := range paths {
		asked[p] = true
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range paths {
		for d := dirOf(p); d != "/" && d != "" && !seen[d]; d = dirOf(d) {
			seen[d] = true
			if !asked[d] {
				out = append(out, d)
			}
		}
	}
	sort.Strings(out)
	return out
}

// batchPaths is the sorted, distinct paths of specs and what each wants.
func batchPaths(specs []FileSpec) ([]string, map[string][]string) {
	wants := map[string][]string{}
	var paths []string
	for _, s := range specs {
		if _, ok := wants[s.Path]; !ok {
			paths = append(paths, s.Path)
		}
		wants[s.Path] = append(wants[s.Path], s.Want)
	}
	sort.Strings(paths)
	return paths, wants
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
// fileProbe's format, so that modules plan from it unchanged. A record for
// a path that was not asked for, or a second record of one kind for a
// path, is an error: the output is the host's.
func SplitFileProbe(specs []FileSpec, out string) (map[string]string, error) {
	paths, _ := batchPaths(specs)
	r := newProbeRecords(paths)
	for _, l := range strings.Split(out, "\n") {
		if l == "" {
			continue
		}
		if err := r.line(l); err != nil {
			return nil, err
		}
	}
	info := map[string]*probeRecord{}
	for i := range paths {
		if r.m[i].seen['S'] {
			info[paths[i]] = &r.m[i]
		}
	}
	for i := range r.anc {
		if r.ancSt[i].seen != nil {
			info[r.anc[i]] = &r.ancSt[i]
		}
	}
	res := map[string]string{}
	for i, p := range paths {
		res[p] = r.m[i].format(p, info)
	}
	return res, nil
}

// probeRecord is what BatchFileProbe's output says of one path.
type probeRecord struct {
	kind, target, ftype, mode, owner, group, size, sha, content string
	uid, gid                                                    string
	seen                                                        map[byte]bool
}

// probeRecords collects the records of the probed paths and of their
// ancestors (S records only), in the order of paths, then ancestors.
type probeRecords struct {
	paths []string
	asked map[string]int
	m     []probeRecord
	anc   []string
	ancAt map[string]int
	ancSt []probeRecord
}

func newProbeRecords(paths []string) *probeRecords {
	r := &probeRecords{paths: paths, asked: map[string]int{}, m: make([]probeRecord, len(paths)), anc: ancestors(paths), ancAt: map[string]int{}}
	for i, p := range paths {
		r.asked[p] = i
	}
	for i, d := range r.anc {
		r.ancAt[d] = len(paths) + i
	}
	r.ancSt = make([]probeRecord, len(r.anc))
	return r
}

// rec is the record a line of this kind adds to: idx names the path (by
// name, or by its index in paths).
func (r *probeRecords) rec(kind byte, idx string, byName bool) (*probeRecord, error) {
	if j, isAnc := r.ancAt[idx]; isAnc && byName && kind == 'S' {
		s := &r.ancSt[j-len(r.paths)]
		if s.seen != nil {
			return nil, fmt.Errorf("file probe output has two S records for %s", idx)
		}
		s.seen = map[byte]bool{'S': true}
		return s, nil
	}
	i, ok := r.asked[idx]
	if !byName {
		n, err := strconv.Atoi(idx)
		i, ok = n, err == nil && n >= 0 && n < len(r.paths) && strconv.Itoa(n) == idx
	}
	if !ok {
		return nil, fmt.Errorf("file probe output names a path that was not probed (%q)", firstLine(idx))
	}
	s := &r.m[i]
	if s.seen == nil {
		s.seen = map[byte]bool{}
	}
	if s.seen[kind] {
		return nil, fmt.Errorf("file probe output has two %c records for %s", kind, r.paths[i])
	}
	s.seen[kind] = true
	return s, nil
}

// line reads one line of the output.
func (r *probeRecords) line(l string) error {
	f := strings.Split(l, "\t")
	var s *probeRecord
	var err error
	switch {
	case len(f) == 3 && f[0] == "L":
		if s, err = r.rec('L', f[1], false); err == nil {
			s.kind, s.target = "link", f[2]
		}
	case len(f) == 2 && f[0] == "E":
		if s, err = r.rec('E', f[1], false); err == nil {
			s.kind = "exists"
		}
	case len(f) >= 9 && f[0] == "S":
		// The name is the requested path, which may hold tabs.
		if s, err = r.rec('S', strings.Join(f[8:], "\t"), true); err == nil {
			s.ftype, s.mode, s.owner, s.group, s.size, s.uid, s.gid = f[1], f[2], f[3], f[4], f[5], f[6], f[7]
		}
	case len(f) == 3 && f[0] == "C":
		if s, err = r.rec('C', f[1], false); err == nil {
			s.content = f[2]
		}
	case len(f) == 2 && (f[0] == "D" || f[0] == "O"):
		_, err = r.rec(f[0][0], f[1], false)
	default:
		// sha256sum: "<64 hex>  <path>", escaped when the name
		// holds a backslash or newline.
		sum, p, ok := parseSumLine(l)
		if !ok {
			err = fmt.Errorf("unexpected file probe output %q", firstLine(l))
		} else if s, err = r.rec('H', p, true); err == nil {
			s.sha = sum
		}
	}
	return err
}

// format writes path p's record in fileProbe's format; info holds the S
// records of the paths and ancestors that have one.
func (s *probeRecord) format(p string, info map[string]*probeRecord) string {
	var b strings.Builder
	guard := predictGuard(p, func(d string) (ftype, mode, owner string, ok bool) {
		if x := info[d]; x != nil {
			return x.ftype, x.mode, x.owner, true
		}
		return "", "", "", false
	})
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
		fmt.Fprintf(&b, "type=%s\nmode=%s\nowner=%s\ngroup=%s\nsize=%s\nowner_id=%s\ngroup_id=%s\n", t, s.mode, s.owner, s.group, s.size, s.uid, s.gid)
		if t == "file" {
			fmt.Fprintf(&b, "sha256=%s\n", s.sha)
			switch {
			case s.seen['C']:
				fmt.Fprintf(&b, "content=%s\n", s.content)
			case s.seen['D']:
				b.WriteString("content_denied=1\n")
			case s.seen['O']:
				b.WriteString("content_deferred=1\n")
			}
		}
	default:
		b.WriteString("type=absent\n")
		// A file created later inherits a setgid directory's group.
		if d := info[dirOf(p)]; d != nil && d.ftype == "directory" {
			fmt.Fprintf(&b, "parent_mode=%s\nparent_group=%s\n", d.mode, d.group)
		}
	}
	fmt.Fprintf(&b, "guard=%s\n", guard)
	return b.String()
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
