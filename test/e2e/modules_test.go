package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/clawrun/clawrun/test/testbed"
)

func TestAptModule(t *testing.T) {
	tb := testbed.Get(t)
	tb.Reset(t, tb.Hosts...)
	evs := converge(t, tb, "apt.hcl")
	for _, e := range evs {
		if e.Task == "apt.pkgs" && e.Host == "h1" {
			if !strings.Contains(e.Diff, "+ fail2ban ") || !strings.Contains(e.Diff, "+ python3-systemd ") {
				t.Errorf("plan does not name the packages with dependencies:\n%s", e.Diff)
			}
		}
	}
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "dpkg-query -W -f='${Status}\\n' hello fail2ban python3-systemd"),
			"install ok installed\ninstall ok installed\ninstall ok installed")
	})
	converge(t, tb, "apt.hcl", "--var", "state=absent", "--var", "purge=true")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "dpkg-query -W -f='${db:Status-Abbrev}\\n' hello 2>/dev/null || echo gone"), "gone")
	})
}

func TestAptWaitsForTheLock(t *testing.T) {
	tb := testbed.Get(t)
	tb.MustSSH(t, "h1", "dpkg -r cowsay >/dev/null 2>&1; setsid flock /var/lib/dpkg/lock-frontend sleep 4 >/dev/null 2>&1 < /dev/null &")
	time.Sleep(300 * time.Millisecond)
	r := clawrun(t, "testdata", nil, "apply", "apt-lock.hcl", "-i", tb.Inventory, "--limit", "h1", "--var", "timeout=60")
	if r.Code != 0 || !strings.Contains(r.Stdout, "waiting for the package lock held by flock") {
		t.Fatalf("apply under a held lock: exit %d, want 0 and a waiting notice\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "dpkg-query -W -f='${db:Status-Abbrev}\\n' cowsay"), "ii")
	tb.MustSSH(t, "h1", "dpkg -r cowsay >/dev/null 2>&1; setsid flock /var/lib/dpkg/lock-frontend sleep 20 >/dev/null 2>&1 < /dev/null &")
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	r = clawrun(t, "testdata", nil, "apply", "apt-lock.hcl", "-i", tb.Inventory, "--limit", "h1", "--var", "timeout=2")
	if r.Code != 1 || !strings.Contains(r.Stdout, "package lock still held by flock") {
		t.Fatalf("apply past the lock timeout: exit %d, want 1 with a clear message\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if time.Since(start) > 15*time.Second {
		t.Errorf("lock timeout of 2s took %s", time.Since(start))
	}
	tb.MustSSH(t, "h1", "pkill -x flock || true")
}

func TestCronModule(t *testing.T) {
	tb := testbed.Get(t)
	for _, h := range tb.Hosts {
		tb.MustSSH(t, h, "printf '# mine\\n5 5 * * * /bin/true\\n' | crontab -u root -; crontab -r -u admin 2>/dev/null; rm -f /etc/cron.d/clawtest")
	}
	converge(t, tb, "cron.hcl")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "crontab -l -u root"),
			"# mine\n5 5 * * * /bin/true\n# clawrun: openclaw backup\n0 2 * * 0 tar czf /var/backups/openclaw-$(date +\\%Y\\%m\\%d).tar.gz -C /home/admin .openclaw/")
		expect(t, h, tb.MustSSH(t, h, "crontab -l -u admin"), "# clawrun: rotate token\n0 3 1 * * /usr/local/bin/rotate-openclaw-token.sh")
		expect(t, h, tb.MustSSH(t, h, "cat /etc/cron.d/clawtest; stat -c %a /etc/cron.d/clawtest"),
			"# clawrun: cleanup\nMAILTO=\"\"\nPATH=/usr/bin:/bin\n@daily root find /tmp -mtime +7 -delete\n644")
	})
	// Changed schedule: the entry is replaced in place.
	converge(t, tb, "cron.hcl", "--var", "backup_schedule=30 1 * * 6")
	expect(t, "h1", tb.MustSSH(t, "h1", "crontab -l -u root | sed -n 4p"), "30 1 * * 6 tar czf /var/backups/openclaw-$(date +\\%Y\\%m\\%d).tar.gz -C /home/admin .openclaw/")
	// Removed: foreign lines stay.
	converge(t, tb, "cron.hcl", "--var", "state=absent")
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "crontab -l -u root; test -e /etc/cron.d/clawtest || echo no-file"), "# mine\n5 5 * * * /bin/true\nno-file")
	})
}

func TestCronBadScheduleFailsValidate(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "pb.hcl", "task \"cron\" \"x\" {\n  name     = \"x\"\n  schedule = \"61 * * * *\"\n  command  = \"true\"\n}\n")
	r := clawrun(t, dir, nil, "validate", "pb.hcl")
	if r.Code != 1 || !strings.Contains(r.Stderr, "pb.hcl:3:14: error: Invalid cron schedule") || !strings.Contains(r.Stderr, "61 is out of range 0-59") {
		t.Errorf("exit %d\n%s", r.Code, r.Stderr)
	}
}

func TestUFWModule(t *testing.T) {
	tb := testbed.Get(t)
	for _, h := range tb.Hosts {
		tb.MustSSH(t, h, "ufw --force reset >/dev/null; rm -f /etc/ufw/*.rules.*")
	}
	converge(t, tb, "ufw.hcl", "--var", "admin_net="+tb.Subnet())
	want := `Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), disabled (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
22/tcp                     ALLOW IN    ` + tb.Subnet() + `               # ssh admin
2222/tcp                   LIMIT IN    Anywhere
18789/tcp on tailscale0    ALLOW IN    Anywhere
2222/tcp (v6)              LIMIT IN    Anywhere (v6)
18789/tcp (v6) on tailscale0 ALLOW IN    Anywhere (v6)

192.0.2.1                  DENY OUT    Anywhere`
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "ufw status verbose | sed 's/ *$//'"), want)
	})
	// clawrun enables ufw as ufw.service does at boot (ufw-init start);
	// the kernel ruleset must be exactly what ufw's own enable builds.
	save := `{ iptables-save; ip6tables-save; } | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'`
	each(t, tb, func(h string) {
		ours := tb.MustSSH(t, h, save)
		theirs := tb.MustSSH(t, h, "ufw disable >/dev/null && ufw --force enable >/dev/null && "+save)
		if ours != theirs || !strings.Contains(ours, "-A ufw-user-input") {
			t.Errorf("%s: ruleset after clawrun's enable differs from ufw's own enable:\n--- clawrun\n%s\n--- ufw enable\n%s", h, ours, theirs)
		}
	})
	// exclusive: a rule added by hand is planned for deletion and deleted.
	tb.MustSSH(t, "h1", "ufw allow 9999/tcp >/dev/null")
	r := clawrun(t, "testdata", nil, "plan", "ufw.hcl", "-i", tb.Inventory, "--limit", "h1", "--var", "admin_net="+tb.Subnet())
	if !strings.Contains(r.Stdout, "- rule allow in tcp from any to any port 9999") {
		t.Errorf("plan does not show the foreign rule's deletion:\n%s", r.Stdout)
	}
	if r = clawrun(t, "testdata", nil, "apply", "ufw.hcl", "-i", tb.Inventory, "--limit", "h1", "--var", "admin_net="+tb.Subnet()); r.Code != 0 {
		t.Fatalf("apply: %d\n%s", r.Code, r.Stdout)
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "ufw status verbose | sed 's/ *$//'"), want)
}

func TestUFWLockoutGuard(t *testing.T) {
	tb := testbed.Get(t)
	tb.MustSSH(t, "h2", "ufw --force reset >/dev/null; rm -f /etc/ufw/*.rules.*")
	r := clawrun(t, "testdata", nil, "apply", "ufw-lockout.hcl", "-i", tb.Inventory, "--limit", "h2")
	if r.Code != 1 || !strings.Contains(r.Stdout, "lock-out guard") || !strings.Contains(r.Stdout, "to port 22") {
		t.Fatalf("lock-out: exit %d, want 1 with the guard's message\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h2", tb.MustSSH(t, "h2", "ufw status"), "Status: inactive")
	// A deny rule before the allow rule shuts the connection out too.
	r = clawrun(t, "testdata", nil, "apply", "ufw-lockout.hcl", "-i", tb.Inventory, "--limit", "h2", "--var", "deny_first=true")
	if r.Code != 1 || !strings.Contains(r.Stdout, "would block this SSH connection") {
		t.Fatalf("deny first: exit %d\n%s", r.Code, r.Stdout)
	}
	tb.WaitSSH(t, "h2", 5*time.Second)
}

func TestJQEditModule(t *testing.T) {
	tb := testbed.Get(t)
	seed := `{"gateway": {"port": 18789, "bind": "lan", "auth": {"mode": "none", "token": "old-token-9f8e7d"}}, "agents": {"default": "main"}, "zeta": [1, 2]}`
	for _, h := range tb.Hosts {
		tb.MustSSH(t, h, "mkdir -p /etc/clawtest && printf '%s\\n' '"+seed+"' > /etc/clawtest/openclaw.json && printf '{not json' > /etc/clawtest/broken.json")
	}
	env := []string{"CLAWRUN_VAR_token=" + secret}
	var out strings.Builder
	for _, args := range [][]string{{"plan"}, {"apply"}} {
		r := clawrun(t, "testdata", env, append(args, "jq.hcl", "-i", tb.Inventory, "--diff")...)
		out.WriteString(r.Stdout + r.Stderr)
		if r.Code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, r.Code, r.Stdout, r.Stderr)
		}
	}
	if strings.Contains(out.String(), secret) || strings.Contains(out.String(), "old-token-9f8e7d") {
		t.Errorf("a token was printed:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "~ .gateway.auth.token: (sensitive value)") || !strings.Contains(out.String(), `~ .gateway.bind: "lan" → "loopback"`) {
		t.Errorf("per-path diff missing:\n%s", out.String())
	}
	wantDoc := `{"gateway":{"port":18789,"bind":"loopback","auth":{"mode":"token","token":"` + secret + `"},"trustedProxies":["127.0.0.1"]},"agents":{"default":"main"},"zeta":[1,2],"browser":{"evaluateEnabled":false},"discovery":{"mdns":{"mode":"off"}},"logging":{"redactSensitive":"tools"},"plugins":{"enabled":false}}`
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "jq -c . /etc/clawtest/openclaw.json; stat -c %a /etc/clawtest/openclaw.json"), wantDoc+"\n600")
	})
	// Rerun: nothing written (same mtime), nothing changed.
	before := tb.MustSSH(t, "h1", "stat -c %Y.%Z /etc/clawtest/openclaw.json")
	r := clawrun(t, "testdata", env, "apply", "jq.hcl", "-i", tb.Inventory, "--format", "json")
	for host, rc := range recap(t, events(t, r.Stdout)) {
		if rc.Changed != 0 || rc.Failed != 0 {
			t.Errorf("%s: rerun changed=%d failed=%d", host, rc.Changed, rc.Failed)
		}
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "stat -c %Y.%Z /etc/clawtest/openclaw.json"), before)
	// Invalid JSON on the host fails the task and leaves the file as it was.
	r = clawrun(t, "testdata", env, "apply", "jq.hcl", "-i", tb.Inventory, "--limit", "h1", "--var", "broken=true")
	if r.Code != 1 || !strings.Contains(r.Stdout, "invalid JSON") {
		t.Errorf("broken JSON: exit %d\n%s", r.Code, r.Stdout)
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "cat /etc/clawtest/broken.json"), "{not json")
}

func TestJQBadProgramFailsValidate(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "pb.hcl", "task \"jq-edit\" \"x\" {\n  path       = \"/x.json\"\n  expression = \".a = \"\n}\n")
	r := clawrun(t, dir, nil, "validate", "pb.hcl")
	if r.Code != 1 || !strings.Contains(r.Stderr, "pb.hcl:3:16: error: Invalid jq program") {
		t.Errorf("exit %d\n%s", r.Code, r.Stderr)
	}
}
