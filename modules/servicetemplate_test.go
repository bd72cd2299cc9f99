package modules

import (
	"slices"
	"strings"
	"testing"
)

// Issue 19 (second review) item 1: drop-ins of template units.

func TestDropInDirs(t *testing.T) {
	for _, c := range []struct {
		unit string
		want []string
	}{
		{"ssh.service", []string{"service.d", "ssh.service.d"}},
		{"cw3@foo.service", []string{"service.d", "cw3@foo.service.d", "cw3@.service.d"}},
		{"a-b.service", []string{"service.d", "a-b.service.d", "a-.service.d"}},
		{"getty@tty1.service", []string{"service.d", "getty@tty1.service.d", "getty@.service.d"}},
	} {
		t.Run(c.unit, func(t *testing.T) {
			if got := dropInDirs(c.unit); !slices.Equal(got, c.want) {
				t.Errorf("dropInDirs(%q) = %q, want %q", c.unit, got, c.want)
			}
		})
	}
}

// TestProbeGlobsTemplateDropIns: the probe lists drop-ins in the
// template's directory, which systemd 252 loads without saying
// NeedDaemonReload=yes.
func TestProbeGlobsTemplateDropIns(t *testing.T) {
	p := serviceProbe("cw3@foo.service")
	for _, want := range []string{"/etc/systemd/system/'cw3@.service.d'/*.conf", "/etc/systemd/system/'cw3@foo.service.d'/*.conf"} {
		if !strings.Contains(p, want) {
			t.Errorf("probe does not glob %s:\n%s", want, p)
		}
	}
}

// TestTemplateDropInPending: an earlier task writing a template's drop-in
// makes the instance's restart a daemon-reload first.
func TestTemplateDropInPending(t *testing.T) {
	running := "LoadState=loaded\nActiveState=active\nUnitFileState=static\nNeedDaemonReload=no\nFragmentPath=/etc/systemd/system/cw3@.service\nDropInPaths=\nCanReload=no\nType=simple\n"
	for _, dir := range []string{"cw3@.service.d", "cw3@foo.service.d", "service.d"} {
		for _, state := range []string{"restarted", "started"} {
			t.Run(dir+"/"+state, func(t *testing.T) {
				h := &Host{Pending: map[string]*FileState{}}
				f := &File{Path: "/etc/systemd/system/" + dir + "/x.conf", Content: ptr("[Service]\nEnvironment=BAZ=7\n")}
				p, err := f.Plan(h, "type=absent\n")
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range p.Writes {
					h.Pending[k] = v
				}
				sp, err := (&Service{Name: "cw3@foo", State: state}).Plan(h, running)
				if err != nil {
					t.Fatal(err)
				}
				if len(sp.Steps) == 0 || sp.Steps[0].Desc != "daemon-reload" {
					t.Errorf("steps %v: want a daemon-reload first", sp.Steps)
				}
			})
		}
	}
}
