package modules

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// User manages a local user account.
type User struct {
	// Name is the login name.
	Name string `hcl:"name"`
	// State is present (default) or absent.
	State string `hcl:"state,optional"`
	// Shell is the login shell.
	Shell string `hcl:"shell,optional"`
	// Home is the home directory (default /home/<name>, created).
	Home string `hcl:"home,optional"`
	// Groups are supplementary groups, appended to the current ones.
	Groups []string `hcl:"groups,optional"`
	// System creates a system account (low uid, no aging).
	System bool `hcl:"system,optional"`
	// AuthorizedKeys, when set, is the exact list of keys in
	// ~/.ssh/authorized_keys (exclusive).
	AuthorizedKeys *[]string `hcl:"authorized_keys,optional"`
}

var (
	_ Module  = (*User)(nil)
	_ Checker = (*User)(nil)
)

// Check validates the configuration.
func (u *User) Check(a Attrs) hcl.Diagnostics {
	return oneOf(a, "state", u.State, "present", "absent")
}

// Probe reads passwd, groups and authorized_keys in one go.
func (u *User) Probe() string {
	n := Quote(u.Name)
	// Read with builtins: no process for passwd and group.
	return readFunc + fmt.Sprintf(`u=%s
while IFS=: read -r name _ uid gid _ home shell; do
  if [ "$name" = "$u" ]; then echo "passwd=$name:x:$uid:$gid::$home:$shell"; h=$home; pg=$gid; fi
done < /etc/passwd
if [ -n "$h" ]; then
  gs=
  while IFS=: read -r gname _ gid members; do
    case ",$members," in *",$u,"*) gs="$gs $gname";; *) [ "$gid" = "$pg" ] && gs="$gname$gs";; esac
  done < /etc/group
  echo "groups=$gs"
%s
else
  # useradd -m will copy these: later tasks plan against them.
  for f in /etc/skel/.[!.]* /etc/skel/*; do
    if [ -f "$f" ] && [ ! -L "$f" ]; then s=$(stat -c '%%a %%s' -- "$f")
      if [ "${s#* }" -le 65536 ]; then printf 'skel=%%s\t%%s\t' "${f#/etc/skel/}" "${s%%%% *}"; base64 -w0 < "$f"; echo; fi
    fi
  done
fi
`, n, u.keysProbe())
}

// MaxKeysFile is the largest authorized_keys file the user probe reads.
const MaxKeysFile = 1 << 20

// keysProbe reads authorized_keys when the task manages it, with the
// rights of the user who controls the home (readFunc): the plan is posted
// in pull requests, and ~/.ssh may be a symlink to root's. A symlink as
// the file itself is never read through: it is reported, and replaced.
func (u *User) keysProbe() string {
	if u.AuthorizedKeys == nil {
		return ""
	}
	return fmt.Sprintf(`  k="$h/.ssh/authorized_keys"
  if [ -L "$k" ]; then echo keys_link=1
  elif [ -f "$k" ]; then z=$(stat -c %%s -- "$k")
    if [ "$z" -le %d ]; then clawrun_read "$k" "$z" keys= keys_denied=1; else echo "keys_size=$z"; fi
  fi`, MaxKeysFile)
}

// Plan decides the useradd/usermod calls and the authorized_keys file.
func (u *User) Plan(_ *Host, out string) (*Plan, error) {
	m := kv(out)
	p := &Plan{}
	n := Quote(u.Name)
	exists := m["passwd"] != ""
	if u.State == "absent" {
		if exists {
			p.add("-", "user %s", u.Name)
			p.step("userdel", "userdel -- "+n)
		}
		return p, nil
	}
	home := u.Home
	if !exists {
		args := []string{"useradd", "-m"}
		if u.Shell != "" {
			args = append(args, "-s", Quote(u.Shell))
		}
		if u.Home != "" {
			args = append(args, "-d", Quote(u.Home))
		}
		if u.System {
			args = append(args, "-r")
		}
		if len(u.Groups) > 0 {
			args = append(args, "-G", Quote(strings.Join(u.Groups, ",")))
		}
		p.add("+", "user %s%s", u.Name, userNote(u))
		p.step("useradd", strings.Join(append(args, "--", n), " "))
		if home == "" {
			home = "/home/" + u.Name
		}
		u.predictHome(p, home, out)
	} else {
		f := strings.Split(m["passwd"], ":")
		if len(f) < 7 {
			return nil, fmt.Errorf("unexpected passwd entry %q", m["passwd"])
		}
		if home == "" {
			home = f[5]
		}
		if u.Shell != "" && f[6] != u.Shell {
			p.add("~", "user %s shell %s -> %s", u.Name, f[6], u.Shell)
			p.step("usermod shell", "usermod -s "+Quote(u.Shell)+" -- "+n)
		}
		if u.Home != "" && f[5] != u.Home {
			p.add("~", "user %s home %s -> %s", u.Name, f[5], u.Home)
			p.step("usermod home", "usermod -m -d "+Quote(u.Home)+" -- "+n)
		}
		have := strings.Fields(m["groups"])
		var missing []string
		for _, g := range u.Groups {
			if !slices.Contains(have, g) {
				missing = append(missing, g)
			}
		}
		if len(missing) > 0 {
			p.add("~", "user %s groups + %s", u.Name, strings.Join(missing, ","))
			p.step("usermod groups", "usermod -a -G "+Quote(strings.Join(missing, ","))+" -- "+n)
		}
	}
	if u.AuthorizedKeys != nil {
		if err := u.planKeys(p, m, home); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// planKeys plans the user's authorized_keys file (home is the user's home).
func (u *User) planKeys(p *Plan, m map[string]string, home string) error {
	n := Quote(u.Name)
	var want strings.Builder
	for _, k := range *u.AuthorizedKeys {
		want.WriteString(strings.TrimSpace(k) + "\n")
	}
	path := home + "/.ssh/authorized_keys"
	switch {
	case m["keys_denied"] == "1":
		return fmt.Errorf("%s cannot be read as %s: clawrun reads it with the rights of the user who controls the home (~/.ssh may be a symlink of theirs); fix ~%s/.ssh", path, u.Name, u.Name)
	case m["keys_size"] != "":
		return fmt.Errorf("%s is %s bytes; clawrun reads authorized_keys files up to %d KiB: remove or shorten it", path, m["keys_size"], MaxKeysFile>>10)
	}
	old, _ := base64.StdEncoding.DecodeString(m["keys"])
	_, had := m["keys"]
	link := m["keys_link"] == "1"
	if string(old) != want.String() || link {
		sign, note := "~", ""
		if !had && !link {
			sign = "+"
		}
		if link {
			note = "; replaces a symlink, not read"
		}
		p.add(sign, "authorized_keys of %s (%d keys%s)", u.Name, len(*u.AuthorizedKeys), note)
		p.Diff += textDiff(path, old, []byte(want.String()), had)
		// Both run as the user when the user controls the home (the
		// usual case): a planted ~/.ssh symlink then leads nowhere
		// the user could not write anyway.
		dir := home + "/.ssh"
		mk := fmt.Sprintf("set -e\ninstall -d -m 0700 -- %s\nchown -h -- %s:\"$(id -gn -- %s)\" %s\n", Quote(dir), n, n, Quote(dir))
		p.step("authorized_keys", guarded(dir, u.Name, mk, "")+
			writeScript(WriteSpec{Path: path, Content: []byte(want.String()), Mode: "0600", Owner: u.Name}, false))
	}
	return nil
}

func userNote(u *User) string {
	var parts []string
	if u.Shell != "" {
		parts = append(parts, "shell "+u.Shell)
	}
	if len(u.Groups) > 0 {
		parts = append(parts, "groups "+strings.Join(u.Groups, ","))
	}
	if u.System {
		parts = append(parts, "system")
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// predictHome records what useradd -m creates, so that later tasks (a
// line in ~/.bashrc) plan against it: the home directory (mode 0755 from
// Debian's UMASK 022) and /etc/skel's files, owned by the user and the
// group of its name (USERGROUPS_ENAB yes).
func (u *User) predictHome(p *Plan, home, out string) {
	p.writes(home, &FileState{Known: true, Dir: true, Mode: "0755", Owner: u.Name, Group: u.Name})
	for _, l := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(l, "skel=")
		if !ok {
			continue
		}
		f := strings.SplitN(rest, "\t", 3)
		if len(f) != 3 || strings.Contains(f[0], "/") {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(f[2])
		if err != nil {
			continue
		}
		p.writes(home+"/"+f[0], &FileState{Known: true, Content: b, Mode: normMode(f[1]), Owner: u.Name, Group: u.Name})
	}
}
