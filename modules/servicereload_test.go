package modules

import (
	"strings"
	"testing"
)

// Issue 19 (second review) item 4: whether a unit reloads after the
// daemon-reload is read from its files, not from CanReload as loaded.
func TestReloadedAfterDropIns(t *testing.T) {
	running := "LoadState=loaded\nActiveState=active\nUnitFileState=static\nNeedDaemonReload=no\nFragmentPath=/etc/systemd/system/cw6.service\nDropInPaths=\nCanReload=yes\nType=simple\nExecReloadIn=/etc/systemd/system/cw6.service\t/bin/true\n"
	onDisk := running + "DropInFile=/etc/systemd/system/cw6.service.d/noreload.conf\nExecReloadIn=/etc/systemd/system/cw6.service.d/noreload.conf\t\n"
	for _, c := range []struct {
		name    string
		probe   string
		pending map[string]string
		want    string // "reload" or an error substring
	}{
		{"plain", running, nil, "reload"},
		{"earlier drop-in clears it", running, map[string]string{"/etc/systemd/system/cw6.service.d/noreload.conf": "[Service]\nExecReload=\n"}, "cannot reload"},
		{"later drop-in sets it again", running, map[string]string{"/etc/systemd/system/cw6.service.d/a.conf": "[Service]\nExecReload=\n",
			"/etc/systemd/system/cw6.service.d/b.conf": "[Service]\nExecReload=/bin/kill -HUP $MAINPID\n"}, "reload"},
		{"cleared in another section", running, map[string]string{"/etc/systemd/system/cw6.service.d/x.conf": "[Unit]\nExecReload=\n"}, "reload"},
		{"drop-in on disk clears it", onDisk, nil, "cannot reload"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := &Host{Pending: map[string]*FileState{}}
			for p, content := range c.pending {
				h.Pending[p] = &FileState{Known: true, Content: []byte(content)}
			}
			got := ""
			p, err := (&Service{Name: "cw6", State: "reloaded"}).Plan(h, c.probe)
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
