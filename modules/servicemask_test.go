package modules

import (
	"strings"
	"testing"
)

// Issue 19 (second review) item 2: systemctl mask fails where a unit file
// of the same name is in /etc/systemd/system; plan says so.
func TestMaskBlockedByEtcUnitFile(t *testing.T) {
	probe := func(frag string) string {
		return "LoadState=loaded\nActiveState=active\nUnitFileState=enabled\nNeedDaemonReload=no\nFragmentPath=" + frag + "\nDropInPaths=\nCanReload=no\nType=simple\n"
	}
	for _, c := range []struct {
		name    string
		frag    string
		pending *FileState
		want    string // "mask" or an error substring
	}{
		{"package unit", "/usr/lib/systemd/system/cw1.service", nil, "mask"},
		{"unit file in /etc", "/etc/systemd/system/cw1.service", nil, "cannot mask cw1.service: /etc/systemd/system/cw1.service is a unit file of its own"},
		{"removed by an earlier task", "/etc/systemd/system/cw1.service", &FileState{Absent: true}, "mask"},
		{"written by an earlier task", "/usr/lib/systemd/system/cw1.service", &FileState{Known: true, Content: []byte("[Service]\n")}, "move the unit file out of /etc/systemd/system"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := &Host{Pending: map[string]*FileState{}}
			if c.pending != nil {
				h.Pending["/etc/systemd/system/cw1.service"] = c.pending
			}
			p, err := (&Service{Name: "cw1", Masked: ptrBool(true)}).Plan(h, probe(c.frag))
			got := ""
			if err != nil {
				got = err.Error()
			} else {
				for _, st := range p.Steps {
					got += st.Desc + " "
				}
			}
			if !strings.Contains(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func ptrBool(b bool) *bool { return &b }
