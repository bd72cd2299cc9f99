package modules

import (
	"bufio"
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
func kv(out string) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			m[k] = v
		}
	}
	return m
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
// replaces, never from a symlink's target: a plan predicts 0644 there), validate run on the temp
// file, then rename. The trap removes the temp file on any failure.
//
// With staged set, the content is not in the script: it was uploaded over
// SFTP to the file StagedToken names, copied into the temp file and removed.
func writeScript(w WriteSpec, staged bool) string {
	p := Quote(w.Path)
	var b strings.Builder
	if staged {
		fmt.Fprintf(&b, "s=%s\n", StagedToken)
	} else {
		b.WriteString("s=\n")
	}
	fmt.Fprintf(&b, "set -e\nt=$(mktemp %s)\ntrap 'rm -f \"$t\" $s' EXIT INT TERM HUP\n", Quote(dirOf(w.Path)+"/.clawrun."+baseOf(w.Path)+".XXXXXX"))
	fmt.Fprintf(&b, "if [ -e %s ] && [ ! -L %s ]; then chown --reference=%s \"$t\"; chmod --reference=%s \"$t\"; else chmod 0644 \"$t\"; fi\n", p, p, p, p)
	b.WriteString(attrScript(`"$t"`, w.Mode, w.Owner, w.Group))
	if staged {
		b.WriteString("cat \"$s\" > \"$t\"\n")
	} else {
		fmt.Fprintf(&b, "%s > \"$t\"\n", embed(w.Content))
	}
	if w.Validate != "" {
		cmd := strings.ReplaceAll(w.Validate, "%s", `"$t"`)
		fmt.Fprintf(&b, "if ! out=$( { %s ; } 2>&1 </dev/null); then printf 'validate failed: %%s\\n' \"$out\" >&2; exit 1; fi\n", cmd)
	}
	if w.Backup {
		fmt.Fprintf(&b, "if [ -e %s ]; then cp -p %s %s.$(date +%%Y%%m%%d%%H%%M%%S).bak; fi\n", p, p, p)
	}
	fmt.Fprintf(&b, "mv -f \"$t\" %s\ntrap - EXIT INT TERM HUP\nrm -f $s\n", p)
	return b.String()
}

// attrScript sets mode, owner and group of the file named by the shell word target.
func attrScript(target, mode, owner, group string) string {
	var b strings.Builder
	// Owner first: chown clears a file's setuid and setgid bits, so a
	// chmod before it would not settle.
	switch {
	case owner != "" && group != "":
		fmt.Fprintf(&b, "chown %s:%s %s\n", Quote(owner), Quote(group), target)
	case owner != "":
		fmt.Fprintf(&b, "chown %s %s\n", Quote(owner), target)
	case group != "":
		fmt.Fprintf(&b, "chgrp %s %s\n", Quote(group), target)
	}
	if mode != "" {
		// The extra leading zero makes GNU chmod clear a directory's
		// setgid and setuid bits too: "0755" on a 2775 directory would
		// leave 2755 and never settle.
		fmt.Fprintf(&b, "chmod 0%s %s\n", normMode(mode), target)
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
