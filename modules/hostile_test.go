package modules

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// runSh runs a generated script with /bin/sh as the hosts do (on stdin).
func runSh(t *testing.T, script string) (string, error) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-s")
	cmd.Stdin = strings.NewReader(script)
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// hostileTree makes a tree a non-root user ("nobody") controls part of:
// root/ (root, 0755) with home/ (nobody's) and outside/ (root's, 0755).
func hostileTree(t *testing.T) (root string, uid int) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (the guard only acts for root)")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("needs setpriv (util-linux)")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("needs the user nobody")
	}
	uid = atoiT(t, u.Uid)
	root = t.TempDir()
	for d := root; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	for _, d := range []string{"home", "outside"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(filepath.Join(root, "home"), uid, atoiT(t, u.Gid)); err != nil {
		t.Fatal(err)
	}
	return root, uid
}

func atoiT(t *testing.T, s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("not a number: %q", s)
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// TestNoWriteThroughUserSymlink: a user plants ~/.app -> a root directory;
// root's write, mkdir, chmod/chown and rm through it must not land there.
func TestNoWriteThroughUserSymlink(t *testing.T) {
	root, uid := hostileTree(t)
	home, outside := filepath.Join(root, "home"), filepath.Join(root, "outside")
	if err := os.Symlink(outside, filepath.Join(home, ".app")); err != nil {
		t.Fatal(err)
	}
	os.Lchown(filepath.Join(home, ".app"), uid, -1)
	os.WriteFile(filepath.Join(outside, "keep"), []byte("root's\n"), 0o644)
	target := filepath.Join(home, ".app", "config.json")
	cases := []struct {
		name, script, refusal string
	}{
		{name: "file as the user who controls the folder", script: writeScript(WriteSpec{Path: target, Content: []byte("{}\n"), Mode: "0600"}, false)},
		{name: "file with owner nobody", script: writeScript(WriteSpec{Path: target, Content: []byte("{}\n"), Owner: "nobody"}, false)},
		{name: "file with owner root is refused", script: writeScript(WriteSpec{Path: target, Content: []byte("{}\n"), Owner: "root"}, false),
			refusal: "is owned by nobody"},
		{name: "backup", script: writeScript(WriteSpec{Path: filepath.Join(home, ".app", "keep"), Content: []byte("x\n"), Backup: true}, false)},
		{name: "directory", script: planSteps(t, &File{Path: filepath.Join(home, ".app", "sub"), State: "directory", Mode: "0777"}, "type=absent\n")},
		{name: "attributes", script: planSteps(t, &File{Path: filepath.Join(home, ".app", "keep"), Mode: "0666"}, "type=file\nmode=644\nowner=root\ngroup=root\nsize=7\nsha256=x\n")},
		{name: "remove", script: planSteps(t, &File{Path: filepath.Join(home, ".app", "keep"), State: "absent"}, "type=file\nmode=644\nowner=root\ngroup=root\nsize=7\nsha256=x\n")},
		{name: "link", script: planSteps(t, &File{Path: filepath.Join(home, ".app", "ln"), State: "link", Target: "/etc/passwd"}, "type=absent\n")},
		{name: "user authorized_keys through ~/.ssh", script: planSteps(t, &User{Name: "nobody", Home: home + "/.app/..", AuthorizedKeys: &[]string{"ssh-ed25519 AAAA x"}},
			"passwd=nobody:x:65534:65534::"+home+"/.app/..:/bin/sh\ngroups=\n")},
		{name: "user authorized_keys, ~/.ssh is the symlink", script: userSSH(t, home, outside)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := runSh(t, c.script)
			if err == nil {
				t.Fatalf("the step succeeded; output: %s", out)
			}
			if c.refusal != "" && !strings.Contains(out, c.refusal) {
				t.Errorf("error %q does not name the component's owner (%q)", out, c.refusal)
			}
			ents, _ := os.ReadDir(outside)
			if len(ents) != 1 || ents[0].Name() != "keep" {
				t.Errorf("root's folder was written through the symlink: %v", ents)
			}
			if d := statT(t, outside); d.uid != 0 || d.mode != 0o755 {
				t.Errorf("root's folder changed: owner %d mode %o", d.uid, d.mode)
			}
			st, _ := os.Stat(filepath.Join(outside, "keep"))
			if b, _ := os.ReadFile(filepath.Join(outside, "keep")); string(b) != "root's\n" || st.Mode().Perm() != 0o644 {
				t.Errorf("root's file changed: %q %v", b, st.Mode())
			}
		})
	}
}

// TestWriteAsOwningUser: the usual case (root writes a user's config in
// the user's home, owner = the user) still works, done as that user.
func TestWriteAsOwningUser(t *testing.T) {
	root, uid := hostileTree(t)
	target := filepath.Join(root, "home", "config.json")
	if out, err := runSh(t, writeScript(WriteSpec{Path: target, Content: []byte("{}\n"), Mode: "0600", Owner: "nobody", Backup: true}, false)); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if out, err := runSh(t, writeScript(WriteSpec{Path: target, Content: []byte("{\"a\":1}\n"), Mode: "0600", Owner: "nobody", Backup: true}, false)); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var st = statT(t, target)
	if st.uid != uid || st.mode != 0o600 {
		t.Errorf("owner %d mode %o, want %d 0600", st.uid, st.mode, uid)
	}
	matches, _ := filepath.Glob(filepath.Join(root, "home", "config.json.*.bak"))
	if len(matches) != 1 {
		t.Errorf("backups: %v", matches)
	}
}

// TestBackupNamePreCreated: a .bak name planted as a symlink fails the
// step rather than being written through (O_EXCL).
func TestBackupNamePreCreated(t *testing.T) {
	root, _ := hostileTree(t)
	dir := filepath.Join(root, "outside")
	target := filepath.Join(dir, "f")
	os.WriteFile(target, []byte("old\n"), 0o644)
	victim := filepath.Join(root, "victim")
	os.WriteFile(victim, []byte("victim\n"), 0o644)
	script := writeScript(WriteSpec{Path: target, Content: []byte("new\n"), Backup: true}, false)
	// The step names its backup after date(1): pin it, and plant that name
	// (planting the next few seconds' names was flaky on a loaded machine).
	bin := t.TempDir()
	os.WriteFile(filepath.Join(bin, "date"), []byte("#!/bin/sh\necho 20260101000000\n"), 0o755)
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
	if err := os.Symlink(victim, target+".20260101000000.bak"); err != nil {
		t.Fatal(err)
	}
	if _, err := runSh(t, script); err == nil {
		t.Error("the step succeeded over a pre-created backup name")
	}
	if b, _ := os.ReadFile(victim); string(b) != "victim\n" {
		t.Errorf("written through the planted backup name: %q", b)
	}
}

// TestGroupWritableFolderRefused: no single user to act as.
func TestGroupWritableFolderRefused(t *testing.T) {
	root, _ := hostileTree(t)
	dir := filepath.Join(root, "outside")
	os.Chmod(dir, 0o775)
	out, err := runSh(t, writeScript(WriteSpec{Path: filepath.Join(dir, "f"), Content: []byte("x\n")}, false))
	if err == nil || !strings.Contains(out, dir+" (owner root, mode 775) is writable by group or others") {
		t.Fatalf("want refusal, got %v: %s", err, out)
	}
}

func planSteps(t *testing.T, m Module, probe string) string {
	t.Helper()
	p, err := m.Plan(&Host{}, probe)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) == 0 {
		t.Fatal("no steps")
	}
	var b strings.Builder
	for _, s := range p.Steps {
		b.WriteString("(\n" + s.Script + "\n) || exit 1\n")
	}
	return b.String()
}

type statInfo struct {
	uid  int
	mode os.FileMode
}

func statT(t *testing.T, p string) statInfo {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	return statInfo{uid: int(st.Uid), mode: os.FileMode(st.Mode & 0o7777)}
}

// userSSH plants ~/.ssh -> outside (the ln -s /usr/local/bin ~/.ssh).
func userSSH(t *testing.T, home, outside string) string {
	t.Helper()
	os.Symlink(outside, filepath.Join(home, ".ssh"))
	return planSteps(t, &User{Name: "nobody", Home: home, AuthorizedKeys: &[]string{"ssh-ed25519 AAAA x"}},
		"passwd=nobody:x:65534:65534::"+home+":/bin/sh\ngroups=\n")
}

// TestProbeRecordsCannotBeForged: a link target and a file name holding
// newlines and tabs (host data) must not make records for other paths.
func TestProbeRecordsCannotBeForged(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("real\n"), 0o644)
	evil := "x\nS\tregular file\t777\tmallory\tmallory\t1\t1000\t1000\t" + victim + "\nC\t" + victim + "\tZm9yZ2VkCg==\nL\t" + victim + "\t/etc/shadow"
	link := filepath.Join(dir, "link")
	if err := os.Symlink(evil, link); err != nil {
		t.Fatal(err)
	}
	odd := filepath.Join(dir, "odd\tE\t0") // a playbook path: tabs pass, a newline fails the probe
	os.WriteFile(odd, []byte("o\n"), 0o644)
	specs := []FileSpec{{Path: link}, {Path: victim}, {Path: odd}}
	out, err := runSh(t, BatchFileProbe(specs))
	if err != nil {
		t.Fatal(err, out)
	}
	got, err := SplitFileProbe(specs, out)
	if err != nil {
		t.Fatal(err)
	}
	st, err := parseFileProbe(got[victim])
	if err != nil || st.Type != "file" || st.Mode != "0644" || string(st.Content) != "real\n" {
		t.Errorf("victim's record forged: %+v %v\n%s", st, err, got[victim])
	}
	if st, _ := parseFileProbe(got[link]); st.Type != "link" || st.Target != evil {
		t.Errorf("link target %q, want %q", st.Target, evil)
	}
	if st, _ := parseFileProbe(got[odd]); st.Type != "file" || string(st.Content) != "o\n" {
		t.Errorf("odd name: %+v", st)
	}
	// The single-path probe (fileProbe) as well.
	out1, _ := runSh(t, fileProbe(link, ""))
	if st, err := parseFileProbe(out1); err != nil || st.Type != "link" || st.Target != evil || st.HasContent {
		t.Errorf("fileProbe: %+v %v", st, err)
	}
}

func TestProbeRecordsRejected(t *testing.T) {
	specs := []FileSpec{{Path: "/a"}, {Path: "/b"}}
	for name, out := range map[string]string{
		"unrequested index":   "E\t2\n",
		"unrequested name":    "S\tregular file\t644\troot\troot\t1\t0\t0\t/etc/shadow\n",
		"duplicate":           "E\t0\nE\t0\n",
		"duplicate content":   "C\t1\tYQ==\nC\t1\tYg==\n",
		"index with a prefix": "E\t01\n",
		"stray line":          "type=file\n",
	} {
		if _, err := SplitFileProbe(specs, out); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for name, out := range map[string]string{
		"content not matching sha256": "type=file\nsha256=" + sha([]byte("a\nb\n")) + "\ncontent=YQo=\n",
		"key twice":                   "type=file\ntype=absent\n",
	} {
		if _, err := parseFileProbe(out); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestLineRefusesLargeFile: line must never plan from part of a file.
func TestLineRefusesLargeFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big")
	big := strings.Repeat("0123456789abcde\n", (MaxContent/16)+1)
	os.WriteFile(p, []byte(big), 0o644)
	l := &LineInFile{Path: p, Line: "x"}
	out, err := runSh(t, l.Probe())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Plan(&Host{}, out); err == nil || !strings.Contains(err.Error(), "line edits files up to 16 MiB") {
		t.Fatalf("want a clear refusal, got %v", err)
	}
	// Output cut short (a scanner limit, a lost link): refused, not planned.
	small := filepath.Join(t.TempDir(), "small")
	os.WriteFile(small, []byte("a\nb\nc\n"), 0o644)
	out, _ = runSh(t, (&LineInFile{Path: small}).Probe())
	i := strings.Index(out, "content=")
	cut := out[:i+12] + "\n"
	if p, err := (&LineInFile{Path: small, Line: "x"}).Plan(&Host{}, cut); err == nil {
		t.Fatalf("planned from a cut probe: %+v", p.Diff)
	}
}

// TestProbePathWithBackslash: sha256sum escapes such names; the record
// still maps to its path.
func TestProbePathWithBackslash(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, `a\b`)
	os.WriteFile(p, []byte("x\n"), 0o644)
	specs := []FileSpec{{Path: p}}
	out, err := runSh(t, BatchFileProbe(specs))
	if err != nil {
		t.Fatal(err)
	}
	got, err := SplitFileProbe(specs, out)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := parseFileProbe(got[p]); err != nil || st.SHA256 != sha([]byte("x\n")) || string(st.Content) != "x\n" {
		t.Errorf("%+v %v\n%s", st, err, out)
	}
}

// TestPlanPredictsGuard: the batched probe stats the parent folders, so
// plan fails with the guard's own refusal instead of promising a write
// that apply refuses.
func TestPlanPredictsGuard(t *testing.T) {
	root, _ := hostileTree(t)
	home, outside := filepath.Join(root, "home"), filepath.Join(root, "outside")
	os.Mkdir(filepath.Join(outside, "shared"), 0o777)
	os.Chmod(filepath.Join(outside, "shared"), 0o777)
	cases := []struct {
		name string
		m    Module
		path string
		want string // error text; "" for a plan
	}{
		{"owner root in a user's folder", &File{Path: home + "/c.json", Content: ptr("{}"), Owner: "root"}, home + "/c.json", home + " is owned by nobody"},
		{"jq-edit owner root", &JQEdit{Path: home + "/j.json", Create: true, Expression: ".a = 1", Owner: "root"}, home + "/j.json", "so owner must be nobody"},
		{"owner the user", &File{Path: home + "/c.json", Content: ptr("{}"), Owner: "nobody"}, home + "/c.json", ""},
		{"world-writable folder", &LineInFile{Path: outside + "/shared/l", Line: "x", Create: true}, outside + "/shared/l", "(owner root, mode 777) is writable by group or others"},
		{"root's folder", &File{Path: outside + "/f", Content: ptr("x"), Owner: "root"}, outside + "/f", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if ch, ok := c.m.(Checker); ok {
				ch.Check(Attrs{})
			}
			fp := c.m.(FileProber)
			p, want := fp.FileProbe()
			specs := []FileSpec{{Path: p, Want: want}}
			out, err := runSh(t, BatchFileProbe(specs))
			if err != nil {
				t.Fatal(err, out)
			}
			got, err := SplitFileProbe(specs, out)
			if err != nil {
				t.Fatal(err)
			}
			o, ok := got[c.path]
			if !ok {
				o = "type=absent\n"
			}
			_, err = c.m.Plan(&Host{}, o)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("plan failed: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
}
