package modules

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// stubbed is a PATH whose first folder shadows every command that would
// change this machine (package managers, users, services, firewalls) with
// a no-op, so generated scripts can run here for real.
func stubbed(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	// python3 exits 100: ufw's driver then falls back to the CLI, in sh.
	os.WriteFile(filepath.Join(dir, "python3"), []byte("#!/bin/sh\nexit 100\n"), 0o755)
	for _, c := range []string{"apt-get", "apt-cache", "dpkg", "dpkg-query", "ufw", "systemctl",
		"crontab", "useradd", "usermod", "userdel", "groupadd", "setpriv", "sshd", "iptables", "ip6tables", "ip", "fuser"} {
		if err := os.WriteFile(filepath.Join(dir, c), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir + ":/usr/sbin:/usr/bin:/sbin:/bin"
}

// TestNoValueRunsAsShell feeds quotes, $(), backticks, newlines and a
// leading - through every module attribute that is not shell by design
// (command's cmd and unless, validate), runs each probe with /bin/sh,
// plans from its real output and runs every step: the payload, which
// appends to a marker with shell builtins only, must never run.
func TestNoValueRunsAsShell(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the steps chown and write as the hosts do")
	}
	path := stubbed(t)
	steps := map[string]int{}
	defer func() { t.Logf("steps run per module: %v", steps) }()
	for _, pl := range []string{"$(P)", "`P`", "';P;'", "\";P;\"", "\nP\n", "-P", "a b\tc;P", "\\';P;#"} {
		dir := t.TempDir()
		marker := filepath.Join(dir, "pwned")
		v := strings.ReplaceAll(pl, "P", "echo x >>"+marker)
		under := dir + "/d" + v // a path: absolute, hostile below
		keys := []string{"ssh-ed25519 AAAA " + v}
		mods := map[string]Module{
			"file":         &File{Path: under, Content: &v, Owner: "root", Group: "root", Backup: true},
			"file link":    &File{Path: under + "l", State: "link", Target: v},
			"file dir":     &File{Path: under + "dir", State: "directory", Owner: v, Group: v},
			"file absent":  &File{Path: under + "abs", State: "absent"},
			"template":     &Template{Path: under + "t", Owner: v},
			"line":         &LineInFile{Path: under + "line", Line: "x" + strings.ReplaceAll(v, "\n", ""), Create: true, Group: v},
			"jq-edit":      &JQEdit{Path: under + "j", Expression: ".a = $v", Create: true, Owner: v},
			"command":      &Command{Cmd: "true", Creates: under + "c"},
			"service":      &Service{Name: v, State: "restarted"},
			"apt":          &Apt{Packages: []string{v}},
			"apt absent":   &Apt{Packages: []string{v}, State: "absent", Purge: true},
			"cron":         &Cron{Name: v, Schedule: "@daily", Command: "true", User: v},
			"cron name":    &Cron{Name: v, Schedule: "@daily", Command: "true"},
			"cron file":    &Cron{Name: "n", Schedule: "@daily", Command: "true", CronFile: "x", Env: map[string]string{"A": v}},
			"user":         &User{Name: v, Shell: v, Home: under + "h", Groups: []string{v}, AuthorizedKeys: &keys},
			"user present": &User{Name: "root", Shell: v, Home: under + "h2", Groups: []string{v}, AuthorizedKeys: &keys},
			"ufw":          &UFW{State: "enabled", AllowLockout: true, Rules: []UFWRule{{Action: "allow", Port: v, From: v, Interface: v, Comment: v}}},
			"ufw comment":  &UFW{AllowLockout: true, Rules: []UFWRule{{Action: "allow", Port: "22", Interface: v, Comment: v}}},
			"ufw readback": &UFW{AllowLockout: true, Exclusive: true},
		}
		// Probe output the stubs cannot give: a loaded unit, a host's
		// user.rules holding hostile tuples (fields never hold blanks).
		nb := "$(:>" + marker + ")"
		fake := map[string]string{
			"service":    "LoadState=loaded\nActiveState=active\n",
			"apt absent": "pkg " + nb + " ii 1.0\n",
			"ufw readback": "installed=yes\n" +
				"user.rules allow tcp 22" + nb + " 0.0.0.0/0 any 0.0.0.0/0 in\n" +
				"user.rules allow" + nb + " tcp 23 0.0.0.0/0 any 1.2.3.4`:>" + marker + "` in_eth0;:>" + marker + "\n" +
				"user6.rules -deny;:>" + marker + " tcp 24 ::/0 any ::/0 in\n",
		}
		os.MkdirAll(filepath.Dir(under+"abs"), 0o755)
		os.WriteFile(under+"abs", []byte("x"), 0o644) // for "file absent"
		for name, m := range mods {
			if j, ok := m.(*JQEdit); ok {
				j.Args = nil
				j.Expression = ".a = " + strings.ReplaceAll(jqString(v), "\n", `\n`)
			}
			if tp, ok := m.(*Template); ok {
				tp.asFile().SetContent([]byte(v))
			}
			if c, ok := m.(Checker); ok {
				if diags := c.Check(known); diags.HasErrors() {
					continue // refused before any host is contacted
				}
			}
			var scripts []string
			scripts = append(scripts, m.Probe())
			out, _ := runShPath(t, path, m.Probe())
			if f, ok := fake[name]; ok {
				out = f
			}
			if p, err := m.Plan(&Host{}, out); err == nil {
				steps[name] += len(p.Steps)
				for _, s := range p.Steps {
					scripts = append(scripts, strings.ReplaceAll(s.Script, StagedToken, "/dev/null"))
				}
			}
			for _, s := range scripts {
				runShPath(t, path, s)
				if b, err := os.ReadFile(marker); err == nil {
					t.Fatalf("%s: payload %q ran (%q) in:\n%s", name, pl, b, s)
				}
			}
		}
	}
}

// known says every attribute was set and known (validate's view).
var known = Attrs{"schedule": {Known: true}, "command": {Known: true}, "cron_file": {Known: true},
	"line": {Known: true}, "target": {Known: true}, "name": {Known: true}}

func jqString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func runShPath(t *testing.T, path, script string) (string, error) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-s")
	cmd.Stdin = strings.NewReader(script)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=" + path, "LC_ALL=C"}
	b, err := cmd.Output()
	return string(b), err
}
