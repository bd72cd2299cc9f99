package modules

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBatchFileProbeEscapedNames runs the batch probe on this machine over
// names sha256sum escapes (backslash): the hash must be found, so an
// unchanged file plans no change (issue 19 item 6).
func TestBatchFileProbeEscapedNames(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{`back\slash.conf`, "plain.conf", `two\\n.conf`} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte("same\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("sh", "-c", BatchFileProbe([]FileSpec{{p, sha([]byte("same\n"))}})).Output()
			if err != nil {
				t.Fatal(err)
			}
			specs := []FileSpec{{p, sha([]byte("same\n"))}}
			outs, err := SplitFileProbe(specs, string(out))
			if err != nil {
				t.Fatalf("%v\nprobe output:\n%s", err, out)
			}
			probe := outs[p]
			f := &File{Path: p}
			f.SetContent([]byte("same\n"))
			plan, err := f.Plan(&Host{}, probe)
			if err != nil {
				t.Fatal(err)
			}
			if plan.Changed() || len(plan.Lines) > 0 {
				t.Errorf("unchanged file plans %v\nprobe output:\n%s", plan.Lines, out)
			}
		})
	}
}

// TestAttrScriptClearsSetgidOnDirectories: GNU chmod keeps a directory's
// setgid bit for "chmod 0755"; the planned mode must be the mode applied.
func TestAttrScriptClearsSetgidOnDirectories(t *testing.T) {
	d := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(d, 0o2775|os.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("sh", "-c", "chmod 2775 "+Quote(d)+"\n"+attrScript(Quote(d), "0755", "", "")).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	out, _ := exec.Command("stat", "-c", "%a", d).Output()
	if got := string(out); got != "755\n" {
		t.Errorf("mode after chmod 0755 of a 2775 directory: %s", got)
	}
}

func TestUFWHostCanonicalForms(t *testing.T) {
	ports := []struct{ in, want string }{
		{"443,80", "80,443"},
		{"80", "80"},
		{"8000:8100,22,80", "22,80,8000:8100"},
		{"80:90,80", "80,80:90"},
		{"any", "any"},
	}
	for _, c := range ports {
		if got := ufwPortForm(c.in); got != c.want {
			t.Errorf("ufwPortForm(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	levels := []struct{ want, cur, got string }{
		{"on", "medium", "medium"},
		{"on", "off", "low"},
		{"on", "", "low"},
		{"high", "medium", "high"},
		{"off", "low", "off"},
	}
	for _, c := range levels {
		if got := ufwLogLevel(c.want, c.cur); got != c.got {
			t.Errorf("ufw logging %s at %s leaves %q, want %q", c.want, c.cur, got, c.got)
		}
	}
}

func TestJQWholeFloatSettles(t *testing.T) {
	for _, f := range []float64{1e15, 1e18, 1e20, 123456789012345678} {
		written, err := encodeOrdered(map[string]any{"limit": f}, nil, "  ")
		if err != nil {
			t.Fatal(err)
		}
		back, _, err := decodeOrdered(written)
		if err != nil {
			t.Fatal(err)
		}
		if !jsonEqual(back, map[string]any{"limit": f}) {
			t.Errorf("%g written as %s does not compare equal when read back", f, written)
		}
	}
}

// TestUserPredictsSkel: creating a user predicts the skeleton files a
// later line task edits (issue 19 item 8).
func TestUserPredictsSkel(t *testing.T) {
	out, err := exec.Command("sh", "-c", (&User{Name: "clawrun-nosuchuser"}).Probe()).Output()
	if err != nil {
		t.Fatal(err)
	}
	u := &User{Name: "clawrun-nosuchuser"}
	plan, err := u.Plan(&Host{}, string(out))
	if err != nil {
		t.Fatal(err)
	}
	h := &Host{Pending: plan.Writes}
	if _, err := os.Stat("/etc/skel/.bashrc"); err != nil {
		t.Skip("no /etc/skel/.bashrc here")
	}
	l := &LineInFile{Path: "/home/clawrun-nosuchuser/.bashrc", Line: "umask 027"}
	lp, err := l.Plan(h, "type=absent\n")
	if err != nil {
		t.Fatalf("line after user creation: %v", err)
	}
	if len(lp.Lines) != 1 || lp.Lines[0].Sign != "~" {
		t.Errorf("line plans %v, want one ~ on the copied skeleton file", lp.Lines)
	}
	d := &File{Path: "/home/clawrun-nosuchuser", State: "directory", Mode: "0755", Owner: "clawrun-nosuchuser"}
	if dp, err := d.Plan(h, "type=absent\n"); err != nil || dp.Changed() {
		t.Errorf("home directory after user creation: %v %v", dp, err)
	}
}

// TestPlanSeesEarlierTasks chains plans as the runner does in plan mode:
// each plan's Writes become the next one's Pending (issue 19 item 8).
func TestPlanSeesEarlierTasks(t *testing.T) {
	absent := "type=absent\n"
	file := "type=file\nmode=644\nowner=root\ngroup=root\nsize=2\nsha256=73cb3858a687a8494ca3323053016282f3dad39d42cf62ca4e79dda2aac7d9ac\ncontent=eAo=\n"
	cases := []struct {
		name    string
		earlier []Module
		probes  []string
		task    Module
		probe   string
		want    string // "ok", "change" or an error substring
	}{
		{"command creates after file", []Module{&File{Path: "/srv/m", Content: ptr("x\n")}}, []string{absent},
			&Command{Cmd: "touch /srv/m", Creates: "/srv/m"}, "true\n", "ok"},
		{"command creates after removal", []Module{&File{Path: "/srv", State: "absent"}}, []string{"type=directory\nmode=755\nowner=root\ngroup=root\nsize=4096\n"},
			&Command{Cmd: "touch /srv/m", Creates: "/srv/m"}, "creates=1\n", "change"},
		{"directory twice", []Module{&File{Path: "/srv/d", State: "directory", Mode: "0750"}}, []string{absent},
			&File{Path: "/srv/d", State: "directory", Mode: "0750"}, absent, "ok"},
		{"line on a link an earlier task makes", []Module{&File{Path: "/srv/l", State: "link", Target: "/srv/m"}}, []string{absent},
			&LineInFile{Path: "/srv/l", Line: "x", Create: true}, absent, "is a link, not a file"},
		{"line create in a removed directory", []Module{&File{Path: "/srv/gone", State: "absent"}}, []string{"type=directory\nmode=755\nowner=root\ngroup=root\nsize=4096\n"},
			&LineInFile{Path: "/srv/gone/x.conf", Line: "x", Create: true}, file, "an earlier task removes /srv/gone"},
		{"second cron task in one crontab", []Module{&Cron{Name: "a", Schedule: "0 1 * * *", Command: "true a"}}, []string{"type=crontab\n"},
			&Cron{Name: "a", Schedule: "0 1 * * *", Command: "true a"}, "type=crontab\n", "ok"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := &Host{Pending: map[string]*FileState{}}
			for i, m := range c.earlier {
				p, err := m.Plan(h, c.probes[i])
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range p.Writes {
					h.Pending[k] = v
				}
			}
			p, err := c.task.Plan(h, c.probe)
			got := "ok"
			switch {
			case err != nil:
				got = err.Error()
			case p.Changed():
				got = "change"
			}
			if !strings.Contains(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func ptr(s string) *string { return &s }

// TestNewDropInMergedUsr: a package's drop-in found under /lib and
// /usr/lib is the one systemd lists, not a new one to reload for.
func TestNewDropInMergedUsr(t *testing.T) {
	st := unitState{Load: "loaded", DropIns: []string{"/usr/lib/systemd/system/x.service.d/pkg.conf"},
		DropInFiles: []string{"/usr/lib/systemd/system/x.service.d/pkg.conf", "/lib/systemd/system/x.service.d/pkg.conf"}}
	if st.newDropIn() {
		t.Errorf("merged /usr paths taken for a new drop-in")
	}
	st.DropInFiles = append(st.DropInFiles, "/etc/systemd/system/x.service.d/10-new.conf")
	if !st.newDropIn() {
		t.Errorf("a new drop-in in /etc not seen")
	}
}
