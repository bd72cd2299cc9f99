package modules

import (
	"strings"
	"testing"
)

// Issue 19 (second review) item 3: enable acts on [Install] entries, in
// the unit and its drop-ins, not on the section header.
func TestHasInstallEntries(t *testing.T) {
	for _, c := range []struct {
		name  string
		files []string
		want  bool
	}{
		{"wanted", []string{"[Service]\nExecStart=/x\n[Install]\nWantedBy=multi-user.target\n"}, true},
		{"no install", []string{"[Service]\nExecStart=/x\n"}, false},
		{"commented entries", []string{"[Service]\nExecStart=/x\n[Install]\n#WantedBy=multi-user.target\n; Alias=y.service\n"}, false},
		{"entry in another section", []string{"[Unit]\nWantedBy=multi-user.target\n"}, false},
		{"drop-in adds it", []string{"[Service]\nExecStart=/x\n", "[Install]\nWantedBy=multi-user.target\n"}, true},
		{"drop-in resets it", []string{"[Install]\nWantedBy=multi-user.target\n", "[Install]\nWantedBy=\n"}, false},
		{"alias only", []string{"[Install]\nAlias = other.service\n"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var fs [][]byte
			for _, f := range c.files {
				fs = append(fs, []byte(f))
			}
			if got := hasInstallEntries(fs); got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

// TestEnablePlannedFromInstallEntries: a unit an earlier task writes is
// enabled when it or an earlier drop-in has entries, not by its header.
func TestEnablePlannedFromInstallEntries(t *testing.T) {
	notFound := "LoadState=not-found\nActiveState=inactive\nUnitFileState=\nNeedDaemonReload=no\nFragmentPath=\nDropInPaths=\nCanReload=no\nType=simple\n"
	for _, c := range []struct {
		name   string
		writes map[string]string
		enable bool
	}{
		{"commented", map[string]string{"/etc/systemd/system/cw4.service": "[Service]\nExecStart=/x\n[Install]\n#WantedBy=multi-user.target\n"}, false},
		{"drop-in", map[string]string{"/etc/systemd/system/cw4.service": "[Service]\nExecStart=/x\n",
			"/etc/systemd/system/cw4.service.d/i.conf": "[Install]\nWantedBy=multi-user.target\n"}, true},
		{"other unit's drop-in", map[string]string{"/etc/systemd/system/cw4.service": "[Service]\nExecStart=/x\n",
			"/etc/systemd/system/cw9.service.d/i.conf": "[Install]\nWantedBy=multi-user.target\n"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := &Host{Pending: map[string]*FileState{}}
			for p, content := range c.writes {
				h.Pending[p] = &FileState{Known: true, Content: []byte(content)}
			}
			p, err := (&Service{Name: "cw4", Enabled: ptrBool(true), State: "started"}).Plan(h, notFound)
			if err != nil {
				t.Fatal(err)
			}
			got := false
			for _, st := range p.Steps {
				got = got || strings.HasPrefix(st.Desc, "enable")
			}
			if got != c.enable {
				t.Errorf("steps %v: enable planned %v, want %v", p.Steps, got, c.enable)
			}
		})
	}
}
