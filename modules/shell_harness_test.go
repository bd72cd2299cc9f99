package modules_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clawrun/clawrun/modules"
)

// The shell harness: a module's probe and steps run with /bin/sh on a temp
// fixture, as a host would run them, then a second probe must find
// nothing to do. Cases cover each kind of thing a path can be.

// sh runs a script with /bin/sh -s (scripts reach hosts on stdin).
func sh(t *testing.T, script string) (string, error) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-s")
	cmd.Stdin = strings.NewReader("export LC_ALL=C\n" + script)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return out.String(), &shellError{err, errb.String()}
		}
		return out.String(), nil
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("script hung:\n%s", script)
	}
	return "", nil
}

type shellError struct {
	err    error
	stderr string
}

func (e *shellError) Error() string { return e.err.Error() + ": " + e.stderr }

// probeInShell runs a module's probe as the runner batches it.
func probeInShell(t *testing.T, mod modules.Module) string {
	t.Helper()
	if fp, ok := mod.(modules.FileProber); ok {
		path, want := fp.FileProbe()
		specs := []modules.FileSpec{{Path: path, Want: want}}
		out, err := sh(t, modules.BatchFileProbe(specs))
		if err != nil {
			t.Fatalf("probe: %v", err)
		}
		outs, err := modules.SplitFileProbe(specs, out)
		if err != nil {
			t.Fatalf("probe output: %v", err)
		}
		if o, ok := outs[path]; ok {
			return o
		}
		return "type=absent\n"
	}
	out, err := sh(t, mod.Probe())
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	return out
}

// applyInShell plans from a real probe and runs the steps; it returns the
// plan and the first failing step's error.
func applyInShell(t *testing.T, mod modules.Module) (*modules.Plan, error) {
	t.Helper()
	p, err := mod.Plan(&modules.Host{Name: "h1"}, probeInShell(t, mod))
	if err != nil {
		return nil, err
	}
	for _, s := range p.Steps {
		if s.Upload != nil {
			t.Fatal("staged uploads are the runner's: keep fixtures under 64 KiB")
		}
		if _, err := sh(t, "( "+s.Script+"\n)\n"); err != nil {
			return p, err
		}
	}
	return p, nil
}

func TestShellHarnessFile(t *testing.T) {
	type fixture func(t *testing.T, path string)
	file := func(content string, mode os.FileMode) fixture {
		return func(t *testing.T, p string) {
			if err := os.WriteFile(p, []byte(content), mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(p, mode)
		}
	}
	dir := func(t *testing.T, p string) {
		os.Mkdir(p, 0o700)
		os.WriteFile(filepath.Join(p, "inside"), []byte("x"), 0o644)
	}
	link := func(target string) fixture {
		return func(t *testing.T, p string) { os.Symlink(target, p) }
	}
	fifo := func(t *testing.T, p string) {
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Skip("no FIFOs here: ", err)
		}
	}
	absent := func(t *testing.T, p string) {}
	linkToPrivate := func(t *testing.T, p string) {
		target := p + "-private"
		os.WriteFile(target, []byte("private\n"), 0o600)
		os.Symlink(target, p)
	}
	cases := []struct {
		name    string
		fixture fixture
		task    string // the task's attributes; PATH and DIR are replaced
		// check inspects the result; wantErr says the plan or a step fails.
		check      func(t *testing.T, path string)
		wantErr    string
		pendingFix string
	}{
		{name: "new file", fixture: absent, task: `content = "hello\n"
  mode = "0640"`, check: isFile("hello\n", 0o640)},
		{name: "file replaced", fixture: file("old\n", 0o600), task: `content = "new\n"`, check: isFile("new\n", 0o600)},
		{name: "file mode only", fixture: file("same\n", 0o600), task: `mode = "0644"`, check: isFile("same\n", 0o644)},
		{name: "backup kept", fixture: file("old\n", 0o644), task: `content = "new\n"
  backup = true`, check: func(t *testing.T, p string) {
			isFile("new\n", 0o644)(t, p)
			baks, _ := filepath.Glob(p + ".*.bak")
			if len(baks) != 1 {
				t.Fatalf("backups %v", baks)
			}
			if b, _ := os.ReadFile(baks[0]); string(b) != "old\n" {
				t.Errorf("backup holds %q", b)
			}
		}},
		{name: "link replaced by a file", fixture: link("/etc/hostname"), task: `content = "mine\n"
  mode = "0644"`, check: func(t *testing.T, p string) {
			isFile("mine\n", 0o644)(t, p)
			if b, _ := os.ReadFile("/etc/hostname"); string(b) == "mine\n" {
				t.Error("wrote through the link")
			}
		}},
		{name: "link replaced by a file: new file's mode, not the target's", fixture: linkToPrivate, task: `content = "mine\n"`, check: isFile("mine\n", 0o644),
			pendingFix: "the file replacing a link takes the link target's mode and owner via chmod/chown --reference (issue 11 item 1, symlinks, on another branch)"},
		{name: "validate passes", fixture: file("old\n", 0o644), task: `content = "good\n"
  validate = "grep -q good %s"`, check: isFile("good\n", 0o644)},
		{name: "validate fails: old file kept, temp removed", fixture: file("old\n", 0o644), task: `content = "bad\n"
  validate = "grep -q good %s"`, wantErr: "exit status", check: func(t *testing.T, p string) {
			isFile("old\n", 0o644)(t, p)
			noTemps(t, filepath.Dir(p))
		}},
		{name: "new directory", fixture: absent, task: `state = "directory"
  mode = "0750"`, check: isDir(0o750)},
		{name: "directory mode", fixture: dir, task: `state = "directory"
  mode = "0755"`, check: isDir(0o755)},
		{name: "directory over a file refused", fixture: file("x", 0o644), task: `state = "directory"`, wantErr: "not a directory", check: isFile("x", 0o644)},
		{name: "directory over a FIFO refused", fixture: fifo, task: `state = "directory"`, wantErr: "not a directory", check: isType(os.ModeNamedPipe)},
		{name: "new link", fixture: absent, task: `state = "link"
  target = "/etc/hostname"`, check: isLink("/etc/hostname")},
		{name: "link retargeted", fixture: link("/etc/passwd"), task: `state = "link"
  target = "/etc/hostname"`, check: isLink("/etc/hostname")},
		{name: "file replaced by a link", fixture: file("x", 0o644), task: `state = "link"
  target = "/etc/hostname"`, check: isLink("/etc/hostname")},
		{name: "link over a directory refused", fixture: dir, task: `state = "link"
  target = "/etc/hostname"`, wantErr: "is a directory", check: isDir(0o700)},
		{name: "absent file", fixture: file("x", 0o644), task: `state = "absent"`, check: isAbsent},
		{name: "absent directory", fixture: dir, task: `state = "absent"`, check: isAbsent},
		{name: "absent link: target kept", fixture: link("/etc/hostname"), task: `state = "absent"`, check: func(t *testing.T, p string) {
			isAbsent(t, p)
			if _, err := os.Stat("/etc/hostname"); err != nil {
				t.Error("the link's target went too")
			}
		}},
		{name: "absent already", fixture: absent, task: `state = "absent"`, check: isAbsent},
		{name: "content on a directory fails", fixture: dir, task: `content = "x\n"`, wantErr: "directory", check: isDir(0o700),
			pendingFix: "a file task whose path is a directory reports ok (issue 18, fixed on another branch)"},
		{name: "content on a FIFO fails", fixture: fifo, task: `content = "x\n"`, wantErr: "other", check: isType(os.ModeNamedPipe),
			pendingFix: "a file task whose path is not a regular file reports ok (issues 18/19, fixed on another branch)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.pendingFix != "" {
				t.Skip("known bug, fixed elsewhere: " + c.pendingFix)
			}
			path := filepath.Join(t.TempDir(), "target")
			c.fixture(t, path)
			mod := decodeTask(t, "task \"file\" \"x\" {\n  path = \""+path+"\"\n  "+c.task+"\n}\n")
			_, err := applyInShell(t, mod)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("apply: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("error %v, want one with %q", err, c.wantErr)
			}
			c.check(t, path)
			if c.wantErr != "" {
				return
			}
			again, err := mod.Plan(&modules.Host{Name: "h1"}, probeInShell(t, mod))
			if err != nil || again.Changed() {
				t.Errorf("second plan: %v %v (does not settle)", err, again.Lines)
			}
		})
	}
}

func isFile(content string, mode os.FileMode) func(t *testing.T, p string) {
	return func(t *testing.T, p string) {
		t.Helper()
		st, err := os.Lstat(p)
		if err != nil || !st.Mode().IsRegular() {
			t.Fatalf("%s is not a regular file (%v)", p, err)
		}
		if b, _ := os.ReadFile(p); string(b) != content {
			t.Errorf("content %q, want %q", b, content)
		}
		if st.Mode().Perm() != mode {
			t.Errorf("mode %v, want %v", st.Mode().Perm(), mode)
		}
	}
}

func isDir(mode os.FileMode) func(t *testing.T, p string) {
	return func(t *testing.T, p string) {
		t.Helper()
		st, err := os.Lstat(p)
		if err != nil || !st.IsDir() || st.Mode().Perm() != mode {
			t.Fatalf("%s: %v %v, want a directory with mode %v", p, st.Mode(), err, mode)
		}
	}
}

func isType(m os.FileMode) func(t *testing.T, p string) {
	return func(t *testing.T, p string) {
		t.Helper()
		st, err := os.Lstat(p)
		if err != nil || st.Mode().Type() != m {
			t.Fatalf("%s: %v %v, want type %v", p, st.Mode(), err, m)
		}
	}
}

func isLink(target string) func(t *testing.T, p string) {
	return func(t *testing.T, p string) {
		t.Helper()
		if got, err := os.Readlink(p); err != nil || got != target {
			t.Fatalf("%s links to %q (%v), want %q", p, got, err, target)
		}
		noTemps(t, filepath.Dir(p))
	}
}

func isAbsent(t *testing.T, p string) {
	t.Helper()
	if _, err := os.Lstat(p); err == nil {
		t.Fatalf("%s still there", p)
	}
}

// noTemps: no .clawrun.* file is left beside the target.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(dir, ".clawrun.*"))
	if len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}
}
