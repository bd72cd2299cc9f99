package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clawrun/clawrun/test/testbed"
)

func TestHandlersRunOnceAfterAllTasks(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "rm -rf /var/tmp/clawhandler")
	tb.MustSSH(t, "h1", "rm -rf /var/tmp/clawhandler")
	tb.MustSSH(t, "h2", "rm -rf /var/tmp/clawhandler")
	// h3 already has the declared state: its tasks report ok, no handler.
	tb.MustSSH(t, "h3", "rm -rf /var/tmp/clawhandler; mkdir -p /var/tmp/clawhandler; printf 'a\\n' > /var/tmp/clawhandler/a; printf 'b\\n' > /var/tmp/clawhandler/b; chmod 644 /var/tmp/clawhandler/a /var/tmp/clawhandler/b; touch /var/tmp/clawhandler/last")
	r := clawrun(t, "testdata", nil, "apply", "handlers.hcl", "-i", tb.Inventory, "--format", "json")
	if r.Code != 0 {
		t.Fatalf("apply exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	for _, h := range []string{"h1", "h2"} {
		// The handler appends the files it sees: both tasks ran before it, once.
		expect(t, h, tb.MustSSH(t, h, "cat /var/tmp/clawhandler/log"), "ran after a b last")
	}
	expect(t, "h3", tb.MustSSH(t, "h3", "cat /var/tmp/clawhandler/log 2>/dev/null || echo none"), "none")
	r = clawrun(t, "testdata", nil, "apply", "handlers.hcl", "-i", tb.Inventory, "--format", "json")
	if r.Code != 0 {
		t.Fatalf("second apply exit %d", r.Code)
	}
	for _, e := range events(t, r.Stdout) {
		if e.Type == "handler" {
			t.Errorf("handler ran on a no-change run: %+v", e)
		}
	}
	for _, h := range []string{"h1", "h2"} {
		expect(t, h, tb.MustSSH(t, h, "wc -l < /var/tmp/clawhandler/log"), "1")
	}
}

func TestHandlersSkippedOnFailedHostUnlessForced(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "rm -rf /var/tmp/clawfail")
	for _, h := range tb.Hosts {
		tb.MustSSH(t, h, "rm -rf /var/tmp/clawfail")
	}
	r := clawrun(t, "testdata", nil, "apply", "handlers-fail.hcl", "-i", tb.Inventory, "--format", "json")
	if r.Code != 1 {
		t.Fatalf("apply with a failing host: exit %d, want 1\n%s", r.Code, r.Stdout)
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "cat /var/tmp/clawfail/log"), "handler")
	expect(t, "h2", tb.MustSSH(t, "h2", "cat /var/tmp/clawfail/log 2>/dev/null || echo none"), "none")
	tb.MustSSH(t, "h2", "rm -rf /var/tmp/clawfail")
	r = clawrun(t, "testdata", nil, "apply", "handlers-fail.hcl", "-i", tb.Inventory, "--limit", "h2", "--force-handlers")
	if r.Code != 1 {
		t.Fatalf("forced apply: exit %d, want 1", r.Code)
	}
	expect(t, "h2", tb.MustSSH(t, "h2", "cat /var/tmp/clawfail/log"), "handler")
}

func TestUnreachableHostFailsAlone(t *testing.T) {
	tb := testbed.Get(t)
	inv := filepath.Join(t.TempDir(), "inventory.hcl")
	src, _ := os.ReadFile(tb.Inventory)
	// Nothing answers at this address of the testbed's own bridge.
	src = append(src, []byte("\nhost \"ghost\" {\n  address         = \""+tb.Net+".250\"\n  groups          = [\"vps\"]\n  connect_timeout = 2\n}\n")...)
	os.WriteFile(inv, src, 0o644)
	start := time.Now()
	r := clawrun(t, "testdata", nil, "apply", "command.hcl", "-i", inv)
	took := time.Since(start)
	if r.Code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if !regexp.MustCompile(`ghost\s+ok=0 changed=0 failed=0 skipped=0 unreachable=1`).MatchString(r.Stdout) {
		t.Errorf("recap does not mark ghost unreachable:\n%s", r.Stdout)
	}
	for _, h := range tb.Hosts {
		if !regexp.MustCompile(h + `\s+ok=\d+ changed=\d+ failed=0`).MatchString(r.Stdout) {
			t.Errorf("%s did not converge:\n%s", h, r.Stdout)
		}
	}
	if took > 8*time.Second {
		t.Errorf("run took %s with a 2s connect timeout", took)
	}
}

func TestHostKeys(t *testing.T) {
	tb := testbed.Get(t)
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	os.WriteFile(kh, nil, 0o600)
	inv := filepath.Join(dir, "inventory.hcl")
	src, _ := os.ReadFile(tb.Inventory)
	os.WriteFile(inv, []byte(strings.ReplaceAll(string(src), tb.KnownHosts, kh)), 0o644)

	r := clawrun(t, "testdata", nil, "plan", "command.hcl", "-i", inv, "--limit", "h1")
	if r.Code != 1 || !strings.Contains(r.Stdout, "host key for "+tb.Address("h1")) || !strings.Contains(r.Stdout, "ssh-keyscan") {
		t.Fatalf("unknown key: exit %d, want 1 with advice\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	r = clawrun(t, "testdata", nil, "plan", "command.hcl", "-i", inv, "--limit", "h1", "--accept-new-host-keys")
	if r.Code != 0 {
		t.Fatalf("--accept-new-host-keys: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	recorded, _ := os.ReadFile(kh)
	if !strings.HasPrefix(string(recorded), tb.Address("h1")+" ") {
		t.Fatalf("key not recorded: %q", recorded)
	}
	// Another host's key under h1's address: a changed key.
	other := tb.MustSSH(t, "h2", "cat /etc/ssh/ssh_host_ed25519_key.pub")
	os.WriteFile(kh, []byte(tb.Address("h1")+" "+strings.Join(strings.Fields(other)[:2], " ")+"\n"), 0o600)
	r = clawrun(t, "testdata", nil, "plan", "command.hcl", "-i", inv, "--limit", "h1", "--accept-new-host-keys")
	if r.Code != 1 || !strings.Contains(r.Stdout, "HOST KEY CHANGED") {
		t.Fatalf("changed key: exit %d, want 1 with HOST KEY CHANGED\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	after, _ := os.ReadFile(kh)
	if strings.Count(string(after), tb.Address("h1")) != 1 {
		t.Errorf("changed key was recorded:\n%s", after)
	}
}

const secret = "tok-5f3c9a1e7b2d4c68"

func TestSensitiveValueNeverPrinted(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "rm -f /etc/clawtest-secret.env", "h1")
	tb.MustSSH(t, "h1", "rm -f /etc/clawtest-secret.env")
	env := []string{"CLAWRUN_VAR_token=" + secret}
	var all strings.Builder
	for _, args := range [][]string{
		{"validate", "secrets.hcl", "-i", tb.Inventory},
		{"plan", "secrets.hcl", "-i", tb.Inventory, "--limit", "h1", "-v"},
		{"plan", "secrets.hcl", "-i", tb.Inventory, "--limit", "h1", "--format", "json"},
		{"apply", "secrets.hcl", "-i", tb.Inventory, "--limit", "h1", "--diff", "-v"},
		{"apply", "secrets.hcl", "-i", tb.Inventory, "--limit", "h1", "--format", "json", "--var", "fail=true"},
		{"apply", "secrets.hcl", "-i", tb.Inventory, "--limit", "h1", "--var", "fail=true", "-v"},
	} {
		r := clawrun(t, "testdata", env, args...)
		fmt.Fprintf(&all, "$ %v (exit %d)\n%s%s", args, r.Code, r.Stdout, r.Stderr)
	}
	if strings.Contains(all.String(), secret) {
		t.Errorf("secret leaked:\n%s", all.String())
	}
	if !strings.Contains(all.String(), "(sensitive value)") {
		t.Errorf("no redaction marker in output:\n%s", all.String())
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "cat /etc/clawtest-secret.env"), "TOKEN="+secret)
}

// listener counts connections, to prove that bad input opens none.
func listener(t *testing.T) (string, *int64) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			atomic.AddInt64(&n, 1)
			c.Close()
		}
	}()
	return ln.Addr().String(), &n
}

func TestBadInputOpensNoConnection(t *testing.T) {
	addr, conns := listener(t)
	host, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	inv := filepath.Join(dir, "inv.hcl")
	os.WriteFile(inv, []byte(fmt.Sprintf("host \"h\" {\n  address = %q\n  port = %s\n}\n", host, port)), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.tmpl"), []byte("port = ${var.nope}\nuser = ${nosuch}\n"), 0o644)
	cases := []struct {
		name, playbook, want, inventory string
	}{
		{name: "syntax error", playbook: "task \"file\" \"x\" {\n  path = \"/x\"\n", want: "pb.hcl:"},
		{name: "unknown module", playbook: "task \"nope\" \"x\" {\n}\n", want: "pb.hcl:1:6: error: Unknown module"},
		{name: "unknown attribute", playbook: "task \"file\" \"x\" {\n  path = \"/x\"\n  contnet = \"a\"\n}\n", want: "pb.hcl:3:3: error: Unsupported argument"},
		{name: "wrong type", playbook: "task \"service\" \"x\" {\n  name = \"a\"\n  enabled = \"maybe\"\n}\n", want: "pb.hcl:3:13: error: Incorrect attribute value type"},
		{name: "unknown handler", playbook: "task \"file\" \"x\" {\n  path = \"/x\"\n  notify = [handler.nope]\n}\n", want: "pb.hcl:3:13: error: Unknown handler"},
		{name: "template unknown variable", playbook: "task \"template\" \"x\" {\n  source = \"bad.tmpl\"\n  path = \"/x\"\n}\n", want: "bad.tmpl:2:10: error: Unknown variable in template"},
		{name: "relative path", playbook: "task \"file\" \"x\" {\n  path = \"x\"\n}\n", want: "pb.hcl:2:10: error: Path must be absolute"},
		{name: "missing inventory", playbook: "task \"file\" \"x\" {\n  path = \"/x\"\n}\n", want: "Cannot read inventory", inventory: filepath.Join(dir, "missing.hcl")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.WriteFile(filepath.Join(dir, "pb.hcl"), []byte(c.playbook), 0o644)
			i := inv
			if c.inventory != "" {
				i = c.inventory
			}
			r := clawrun(t, dir, nil, "apply", "pb.hcl", "-i", i, "--accept-new-host-keys")
			if r.Code != 1 || !strings.Contains(r.Stderr, c.want) {
				t.Errorf("exit %d, want 1 with %q in stderr:\n%s", r.Code, c.want, r.Stderr)
			}
		})
	}
	if n := atomic.LoadInt64(conns); n != 0 {
		t.Errorf("bad input opened %d connections", n)
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
