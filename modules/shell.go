package modules

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aymanbagabas/go-udiff"
)

// Quote returns s as a single-quoted POSIX shell word.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// embed returns a shell pipeline that prints data. The data travels inside
// the script, base64-encoded, so it never appears on a command line.
func embed(data []byte) string {
	return "printf %s " + Quote(base64.StdEncoding.EncodeToString(data)) + " | base64 -d"
}

// kv parses "key=value" lines; later keys win, other lines are ignored.
// No line length limit: what the host may send is bounded by the
// connection (see runner), and a scanner's limit would silently cut.
func kv(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = v
		}
	}
	return m
}

// kvOnce is kv for output whose keys appear once: a repeated key is an
// error, not a value to pick.
func kvOnce(out string) (map[string]string, error) {
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("probe output has %s= twice", k)
			}
			m[k] = v
		}
	}
	return m, nil
}

// WriteSpec describes an atomic file write.
type WriteSpec struct {
	Path     string
	Content  []byte
	Mode     string // octal, "" keeps the current mode (0644 for new files)
	Owner    string // "" keeps the current owner (the writer's for new files)
	Group    string
	Validate string // command, %s is the temp file
	Backup   bool
}

// writeScript writes a file atomically: a temp file in the target's folder,
// mode and owner set before the content lands (kept from the file it
// replaces, never from a symlink's target: a plan predicts 0644 there),
// validate run on the temp file, then rename. The trap removes the temp
// file on any failure. The write runs as root or as the user who controls
// the folder (guarded).
//
// With staged set, the content is not in the script: it was uploaded over
// SFTP to the file StagedToken names, copied into the temp file and removed.
func writeScript(w WriteSpec, staged bool) string {
	var b strings.Builder
	input := ""
	if staged {
		fmt.Fprintf(&b, "s=%s\ntrap 'rm -f \"$s\"' EXIT INT TERM HUP\n", StagedToken)
		input = `"$s"`
	}
	b.WriteString(guarded(w.Path, w.Owner, writeBody(w, staged), input))
	if staged {
		b.WriteString("rc=$?; rm -f \"$s\"; trap - EXIT INT TERM HUP; exit \"$rc\"\n")
	}
	return b.String()
}

// writeBody is the write itself, run by whoever guarded picked. Staged
// content comes on fd 3. mv -T never moves into a directory planted at the
// target's name; the backup is a fresh temp file (O_EXCL) hard-linked to
// its name, so a name pre-created by someone else fails the step instead
// of being written through.
func writeBody(w WriteSpec, staged bool) string {
	p := Quote(w.Path)
	var b strings.Builder
	fmt.Fprintf(&b, "set -e\nt=$(mktemp %s)\ntrap 'rm -f \"$t\"' EXIT INT TERM HUP\n", Quote(dirOf(w.Path)+"/.clawrun."+baseOf(w.Path)+".XXXXXX"))
	// Owner before mode: chown clears setuid and setgid bits.
	fmt.Fprintf(&b, "if [ -e %s ] && [ ! -L %s ]; then chown --reference=%s \"$t\" 2>/dev/null || [ \"$(id -u)\" != 0 ]; chmod --reference=%s \"$t\"; else chmod 0644 \"$t\"; fi\n", p, p, p, p)
	b.WriteString(attrScript(`"$t"`, w.Mode, w.Owner, w.Group))
	if staged {
		b.WriteString("cat <&3 > \"$t\"\n")
	} else {
		fmt.Fprintf(&b, "%s > \"$t\"\n", embed(w.Content))
	}
	if w.Validate != "" {
		cmd := strings.ReplaceAll(w.Validate, "%s", `"$t"`)
		fmt.Fprintf(&b, "if ! out=$( { %s ; } 2>&1 </dev/null); then printf 'validate failed: %%s\\n' \"$out\" >&2; exit 1; fi\n", cmd)
	}
	if w.Backup {
		fmt.Fprintf(&b, "if [ -f %s ]; then bt=$(mktemp %s); cp -p -- %s \"$bt\"; ln -- \"$bt\" %s.$(date +%%Y%%m%%d%%H%%M%%S).bak; rm -f \"$bt\"; fi\n",
			p, Quote(dirOf(w.Path)+"/.clawrun."+baseOf(w.Path)+".XXXXXX"), p, p)
	}
	fmt.Fprintf(&b, "mv -fT \"$t\" %s\ntrap - EXIT INT TERM HUP\n", p)
	return b.String()
}

// attrScript sets mode, owner and group of the file named by the shell word target.
func attrScript(target, mode, owner, group string) string {
	var b strings.Builder
	if mode != "" {
		// chmod has no -h: refuse a symlink instead of changing its target.
		fmt.Fprintf(&b, "if [ -L %s ]; then echo 'clawrun: refusing to chmod a symlink' >&2; exit 1; fi\n", target)
	}
	// Owner first: chown clears a file's setuid and setgid bits, so a
	// chmod before it would not settle.
	switch {
	case owner != "" && group != "":
		fmt.Fprintf(&b, "chown -h -- %s:%s %s\n", Quote(owner), Quote(group), target)
	case owner != "":
		fmt.Fprintf(&b, "chown -h -- %s %s\n", Quote(owner), target)
	case group != "":
		fmt.Fprintf(&b, "chgrp -h -- %s %s\n", Quote(group), target)
	}
	if mode != "" {
		// The extra leading zero makes GNU chmod clear a directory's
		// setgid and setuid bits too: "0755" on a 2775 directory would
		// leave 2755 and never settle.
		fmt.Fprintf(&b, "chmod %s %s\n", Quote("0"+normMode(mode)), target)
	}
	return b.String()
}

func dirOf(p string) string {
	i := strings.LastIndex(p, "/")
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

func baseOf(p string) string { return p[strings.LastIndex(p, "/")+1:] }

// normMode turns "644", "0644" or "u=rw" style modes into four octal digits
// when it can; anything else is returned as is.
func normMode(m string) string {
	if m == "" {
		return ""
	}
	n, err := strconv.ParseUint(m, 8, 32)
	if err != nil {
		return m
	}
	return fmt.Sprintf("%04o", n)
}

// maxDiff is the largest content shown as a text diff.
const maxDiff = 256 * 1024

// textDiff returns a unified diff, or a summary for binary or large content.
func textDiff(path string, old, new []byte, oldExists bool) string {
	from := path
	if !oldExists {
		from = "/dev/null"
	}
	if isText(old) && isText(new) && len(old) <= maxDiff && len(new) <= maxDiff {
		return udiff.Unified(from, path, string(old), string(new))
	}
	return fmt.Sprintf("binary or large content: %d bytes sha256:%s -> %d bytes sha256:%s\n",
		len(old), sha(old), len(new), sha(new))
}

func isText(b []byte) bool {
	return utf8.Valid(b) && !strings.ContainsRune(string(b), 0)
}
