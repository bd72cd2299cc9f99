package transport

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/inventory"
	sshconfig "github.com/kevinburke/ssh_config"
)

func TestResolveSSHConfig(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("USER", "me")
	inc := filepath.Join(home, "extra.conf")
	os.WriteFile(inc, []byte("Host inc\n  HostName 10.9.9.9\n  User incuser\n"), 0o600)
	os.WriteFile(filepath.Join(home, "kh2"), nil, 0o600)
	cfgText := `
Include ` + inc + `
Host gw
  HostName 10.0.0.5
  User deploy
  Port 2222
  IdentityFile ~/.ssh/gw_key
  IdentityFile %d/.ssh/%r_%h
  IdentitiesOnly yes
  UserKnownHostsFile ~/kh1 ~/kh2 ~/missing
  ProxyJump bastion,ops@hop2:2200

Host bastion
  HostName 192.0.2.1
  User jumper

Match host matched-*
  User matcher

Host *
  ConnectTimeout 7
`
	cfg, err := sshconfig.DecodeBytes([]byte(cfgText))
	if err != nil {
		t.Fatal(err)
	}
	cfgs := []*sshconfig.Config{cfg}
	base := func(addr string, explicit ...string) *inventory.Host {
		h := &inventory.Host{Name: "h", Address: addr, Port: 22, User: "me", ConnectTimeout: 10,
			KnownHosts: filepath.Join(home, ".ssh/known_hosts"), Explicit: map[string]bool{}}
		for _, e := range explicit {
			h.Explicit[e] = true
		}
		return h
	}
	cases := []struct {
		name                 string
		in                   *inventory.Host
		addr, user, jump, kh string
		port, timeout        int
		ids, khExtra         []string
		only                 bool
	}{
		{name: "alias", in: base("gw"), addr: "10.0.0.5", user: "deploy", port: 2222, timeout: 7, only: true,
			jump: "bastion,ops@hop2:2200", kh: filepath.Join(home, "kh1"), khExtra: []string{filepath.Join(home, "kh2")},
			ids: []string{filepath.Join(home, ".ssh/gw_key"), home + "/.ssh/deploy_10.0.0.5"}},
		{name: "inventory wins", in: func() *inventory.Host {
			h := base("gw", "user", "port", "jump", "known_hosts", "address")
			h.User, h.Port, h.IdentityFile = "admin", 22, "/k"
			return h
		}(), addr: "gw", user: "admin", port: 22, timeout: 7, only: true, kh: filepath.Join(home, ".ssh/known_hosts"), ids: []string{"/k"}},
		{name: "include", in: base("inc"), addr: "10.9.9.9", user: "incuser", port: 22, timeout: 7, kh: filepath.Join(home, ".ssh/known_hosts")},
		{name: "match host", in: base("matched-1"), addr: "matched-1", user: "matcher", port: 22, timeout: 7, kh: filepath.Join(home, ".ssh/known_hosts")},
		{name: "unknown alias keeps defaults", in: base("other"), addr: "other", user: "me", port: 22, timeout: 7, kh: filepath.Join(home, ".ssh/known_hosts")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := resolveWith(cfgs, c.in)
			if got.Address != c.addr || got.User != c.user || got.Port != c.port || got.Jump != c.jump ||
				got.KnownHosts != c.kh || got.ConnectTimeout != c.timeout || got.IdentitiesOnly != c.only ||
				!reflect.DeepEqual(got.IdentityFiles, c.ids) || !reflect.DeepEqual(got.KnownHostsExtra, c.khExtra) {
				t.Errorf("got %+v", got)
			}
		})
	}
	hops, err := parseJumps(cfgs, "bastion,ops@hop2:2200", base("gw"))
	if err != nil {
		t.Fatal(err)
	}
	if len(hops) != 2 || hops[0].Addr != "192.0.2.1:22" || hops[0].Host.User != "jumper" ||
		hops[1].Addr != "hop2:2200" || hops[1].Host.User != "ops" {
		t.Errorf("hops %+v %+v", hops[0].Host, hops[1].Host)
	}
}

func TestKeyscanLine(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.5:2222": "ssh-keyscan -p 2222 10.0.0.5",
		"[::1]:22":      "ssh-keyscan -p 22 ::1",
	} {
		if got := keyscanLine(in); got != want {
			t.Errorf("%s: %s", in, got)
		}
	}
}

// TestSSHConfigUnsupportedMatch: a config the parser cannot read fails with
// the way out, instead of being half-read; "none" skips ssh config.
func TestSSHConfigUnsupportedMatch(t *testing.T) {
	f := filepath.Join(t.TempDir(), "config")
	os.WriteFile(f, []byte("Match exec \"true\"\n  User x\n"), 0o600)
	t.Setenv("CLAWRUN_SSH_CONFIG", f)
	if _, err := loadSSHConfigs(); err == nil || !strings.Contains(err.Error(), "CLAWRUN_SSH_CONFIG=none") {
		t.Errorf("Match exec: %v", err)
	}
	t.Setenv("CLAWRUN_SSH_CONFIG", "none")
	if cfgs, err := loadSSHConfigs(); err != nil || cfgs != nil {
		t.Errorf("none: %v %v", cfgs, err)
	}
}

// TestDefaultIdentities: with no identity in the inventory or ssh config,
// the default keys in ~/.ssh that exist are offered, as OpenSSH does; a
// configured identity replaces them.
func TestDefaultIdentities(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	for _, n := range []string{"id_ed25519", "id_rsa"} {
		os.WriteFile(filepath.Join(home, ".ssh", n), []byte("x"), 0o600)
	}
	files, explicit := identityCandidates(&inventory.Host{})
	want := []string{filepath.Join(home, ".ssh/id_ed25519"), filepath.Join(home, ".ssh/id_rsa")}
	if explicit || !reflect.DeepEqual(files, want) {
		t.Errorf("defaults: %v %v", files, explicit)
	}
	files, explicit = identityCandidates(&inventory.Host{IdentityFiles: []string{"/k"}})
	if !explicit || !reflect.DeepEqual(files, []string{"/k"}) {
		t.Errorf("configured: %v %v", files, explicit)
	}
}
