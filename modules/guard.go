package modules

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Writes as root into a directory that a non-root user controls are the
// classic root escalation: the user swaps a path component for a symlink
// (~/.app -> /etc/cron.d) and root writes, chmods or chowns wherever it
// points. clawrun's rule, checked and acted on in the same remote script:
//
//   - Walking the target's parent directories from /, a directory owned by
//     root and not writable by group or others (or sticky, like /tmp) is
//     root's: nobody else can rename what is in it. A symlink owned by root
//     there is followed (/bin -> usr/bin) and the walk starts over.
//   - The first component owned by another user U hands the path to U: the
//     whole step then runs as U (setpriv, util-linux), so the kernel checks
//     every access as it would for U, and a symlink of U's can only lead U
//     to where U may write anyway. The task's owner must then be U (or
//     unset); anything else is refused, since U cannot give files away.
//   - A directory writable by group or others without the sticky bit, and
//     a '..' component, are refused: no single user could be acted as.
//
// A task that does not run as root (become = false) writes as its login
// user anyway and is not checked.
const guardFunc = `clawrun_guard() {
  clawrun_as=
  [ "$(id -u)" = 0 ] || return 0
  clawrun_path=$1 clawrun_owner=$2 clawrun_hops=0
  while :; do
    set --; r=${clawrun_path#/}; cur=
    while case $r in */*) true;; *) false;; esac; do
      c=${r%%/*}; r=${r#*/}
      case $c in ''|.) continue;; ..) printf 'clawrun: refusing %s: the path has a ".." component\n' "$clawrun_path" >&2; return 1;; esac
      cur=$cur/$c; set -- "$@" "$cur"
    done
    [ $# -gt 0 ] || return 0
    clawrun_st=$(stat -c '%u %f %U' -- "$@" 2>/dev/null)
    clawrun_i=0 clawrun_again=
    while read -r u f name; do
      [ -n "$u" ] || continue
      clawrun_i=$((clawrun_i + 1)); eval "n=\${$clawrun_i}"
      m=$((0x$f))
      if [ "$u" = 0 ] && [ $((m & 0xF000)) -eq $((0xA000)) ]; then
        t=$(readlink -- "$n"); rest=${clawrun_path#"$n"}
        case $t in /*) clawrun_path=$t$rest;; *) clawrun_path=${n%/*}/$t$rest;; esac
        clawrun_again=1; break
      fi
      if [ $((m & 0xF000)) -ne $((0xA000)) ] && [ $((m & 0x12)) -ne 0 ] && [ $((m & 0x200)) -eq 0 ]; then
        printf 'clawrun: refusing to write %s as root: %s (owner %s, mode %o) is writable by group or others, who could swap it for a symlink\n' "$clawrun_path" "$n" "$name" $((m & 07777)) >&2; return 1
      fi
      if [ "$u" != 0 ]; then
        if [ -n "$clawrun_owner" ] && [ "$clawrun_owner" != "$name" ] && [ "$clawrun_owner" != "$u" ]; then
          printf 'clawrun: refusing to write %s as root: %s is owned by %s, who could swap it for a symlink; clawrun writes there as %s, so owner must be %s (or unset)\n' "$clawrun_path" "$n" "$name" "$name" "$name" >&2; return 1
        fi
        clawrun_as=$u; return 0
      fi
    done <<clawrun_EOF
$clawrun_st
clawrun_EOF
    [ -n "$clawrun_again" ] || return 0
    clawrun_hops=$((clawrun_hops + 1))
    [ "$clawrun_hops" -lt 40 ] || { printf 'clawrun: refusing %s: too many symlinks\n' "$1" >&2; return 1; }
  done
}
`

// guarded returns a script that runs body with the privileges the path's
// parent chain allows (see guardFunc): as root when root alone controls
// it, else as the one user who does. body must not read stdin; fd 3 is
// the file named by the shell word input ("" for none), opened by the
// caller's privileges (a staged upload only the login user can read).
func guarded(path, owner, body, input string) string {
	if input == "" {
		input = "/dev/null"
	}
	var b strings.Builder
	b.WriteString(guardFunc)
	fmt.Fprintf(&b, "clawrun_guard %s %s || exit 1\nclawrun_body=%s\n", Quote(path), Quote(owner), Quote(body))
	fmt.Fprintf(&b, `if [ -n "$clawrun_as" ]; then
  cd / && printf '%%s\n' "$clawrun_body" | setpriv --reuid="$clawrun_as" --regid="$(id -g -- "$clawrun_as")" --init-groups -- /bin/sh -s 3<%s
else
  ( eval "$clawrun_body" ) 3<%s
fi
`, input, input)
	return b.String()
}

// predictGuard is guardFunc's decision for path, from its parent folders'
// stat records (type name, octal mode, owner name): "root", "user:NAME:DIR",
// "refuse:MESSAGE", or "unknown" past a symlink (the step decides).
func predictGuard(path string, stat func(dir string) (ftype, mode, owner string, ok bool)) string {
	var chain []string
	for d := dirOf(path); d != "/" && d != ""; d = dirOf(d) {
		chain = append([]string{d}, chain...)
	}
	for _, d := range chain {
		ftype, mode, owner, ok := stat(d)
		if !ok {
			return "root" // missing: created below a root folder, or the step fails
		}
		if ftype == "symbolic link" {
			if owner == "root" {
				return "unknown"
			}
			return "user:" + owner + ":" + d
		}
		m, err := strconv.ParseUint(mode, 8, 32)
		if err != nil {
			return "unknown"
		}
		if m&0o022 != 0 && m&0o1000 == 0 {
			return fmt.Sprintf("refuse:refusing to write %s as root: %s (owner %s, mode %o) is writable by group or others, who could swap it for a symlink", path, d, owner, m)
		}
		if owner != "root" {
			return "user:" + owner + ":" + d
		}
	}
	return "root"
}

// checkGuard fails a plan whose steps the write guard would refuse, with
// the guard's words: plan says what apply will do.
func (s fileState) checkGuard(path, owner string) error {
	if msg, ok := strings.CutPrefix(s.Guard, "refuse:"); ok {
		return errors.New(msg)
	}
	if rest, ok := strings.CutPrefix(s.Guard, "user:"); ok {
		u, dir, _ := strings.Cut(rest, ":")
		if owner != "" && owner != u {
			return fmt.Errorf("refusing to write %s as root: %s is owned by %s, who could swap it for a symlink; clawrun writes there as %s, so owner must be %s (or unset)", path, dir, u, u, u)
		}
	}
	return nil
}

// readFunc defines clawrun_read PATH SIZE OKPREFIX FAILLINE: it prints
// OKPREFIX, at most SIZE bytes of PATH in base64 and a newline, or
// FAILLINE and a newline when PATH may not be read. Probes run as root,
// and their plans are posted in pull requests: content below a folder a
// non-root user controls is read with that user's rights (the write
// guard's decision), so a symlink of the user's (~/.ssh -> /root/.ssh)
// shows nothing the user could not read. A path the guard refuses is not
// read at all. clawrun_readlink PATH prints a link's target the same way
// (nothing when it may not be read).
const readFunc = guardFunc + `clawrun_read() {
  clawrun_guard "$1" "" 2>/dev/null || { printf '%s\n' "$4"; return 0; }
  if [ -z "$clawrun_as" ]; then printf '%s' "$3"; head -c "$2" < "$1" | base64 -w0; echo; return 0; fi
  (cd / && setpriv --reuid="$clawrun_as" --regid="$(id -g -- "$clawrun_as")" --init-groups -- /bin/sh -c 'if [ -r "$1" ]; then printf "%s" "$3"; head -c "$2" -- "$1" | base64 -w0; echo; else printf "%s\n" "$4"; fi' sh "$1" "$2" "$3" "$4")
}
clawrun_readlink() {
  clawrun_guard "$1" "" 2>/dev/null || return 0
  if [ -z "$clawrun_as" ]; then readlink -- "$1"; return 0; fi
  (cd / && setpriv --reuid="$clawrun_as" --regid="$(id -g -- "$clawrun_as")" --init-groups -- readlink -- "$1" 2>/dev/null)
}
`
