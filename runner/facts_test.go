package runner

import "testing"

func TestParseFacts(t *testing.T) {
	out := "os_id=debian\nos_version=12\narch=x86_64\nhostname=h1\nmemory_kb=2048000\ninit=systemd\nssh_connection=10.66.0.1 51234 10.66.0.11 22\nuser=admin\n"
	f, client, server, port, user := parseFacts(out)
	if f.OSID != "debian" || f.OSVersion != "12" || f.MemoryMB != 2000 || f.Init != "systemd" || f.Hostname != "h1" {
		t.Errorf("facts %+v", f)
	}
	if client != "10.66.0.1" || server != "10.66.0.11" || port != 22 || user != "admin" {
		t.Errorf("connection %s %s %d %s", client, server, port, user)
	}
}

func FuzzParseFacts(f *testing.F) {
	f.Add("os_id=debian\nssh_connection=1 2 3 4\nmemory_kb=x\n")
	f.Fuzz(func(t *testing.T, out string) { parseFacts(out) })
}
