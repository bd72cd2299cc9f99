package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestRoundTripsCountedOnTheHost: the README promises one SSH handshake
// and one round trip for a host with nothing to change (two when the
// playbook reads host.facts). Counted on the host, not by clawrun: the
// login shell of a dedicated user is a wrapper that logs every session and
// every request the long-lived shell receives, and sshd's journal counts
// the logins.
func TestRoundTripsCountedOnTheHost(t *testing.T) {
	tb := testbed.Get(t)
	const h = "h1"
	cleanupHosts(t, tb, "userdel -r clawrt 2>/dev/null; rm -rf /etc/sudoers.d/clawrt /usr/local/bin/clawrt-shell /var/tmp/clawrt /var/tmp/clawrt-files; true", h)
	tb.MustSSH(t, h, `cat > /usr/local/bin/clawrt-shell <<'EOF'
#!/bin/sh
# Login shell of clawrt: logs each session's command, and its input, where
# every request of clawrun's long-lived shell starts a line with "( eval".
[ "$1" = "-c" ] || exec /bin/sh "$@"
echo "session $2" >> /var/tmp/clawrt/sessions
tee -a /var/tmp/clawrt/stdin | /bin/sh -c "$2"
EOF
chmod 0755 /usr/local/bin/clawrt-shell
id clawrt >/dev/null 2>&1 || useradd -m -s /usr/local/bin/clawrt-shell clawrt
echo 'clawrt ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/clawrt; chmod 0440 /etc/sudoers.d/clawrt
install -d -m 0700 -o clawrt -g clawrt /home/clawrt/.ssh /var/tmp/clawrt
cp /home/admin/.ssh/authorized_keys /home/clawrt/.ssh/; chown clawrt:clawrt /home/clawrt/.ssh/authorized_keys
rm -rf /var/tmp/clawrt-files`)
	dir := t.TempDir()
	writeFile(t, dir, "inv.hcl", fmt.Sprintf("host %q {\n  address = %q\n  user = \"clawrt\"\n  identity_file = %q\n  known_hosts = %q\n  become = true\n}\n",
		h, tb.Address(h), tb.Key, tb.KnownHosts))
	tasks := `task "file" "dir" {
  path  = "/var/tmp/clawrt-files"
  state = "directory"
}

task "file" "a" {
  path    = "/var/tmp/clawrt-files/a"
  content = "a\n"
}

task "line" "b" {
  path   = "/var/tmp/clawrt-files/b"
  line   = "b"
  create = true
}

task "command" "c" {
  cmd     = "touch /var/tmp/clawrt-files/c"
  creates = "/var/tmp/clawrt-files/c"
}

task "cron" "d" {
  name     = "clawrt"
  schedule = "@daily"
  command  = "true"
  user     = "clawrt"
}
`
	writeFile(t, dir, "plain.hcl", tasks)
	writeFile(t, dir, "facts.hcl", tasks+"\ntask \"file\" \"e\" {\n  path    = \"/var/tmp/clawrt-files/e\"\n  content = \"${host.facts.hostname}\\n\"\n}\n")
	logins := "journalctl -u ssh -o cat | grep -c '^Accepted publickey for clawrt ' || true"
	for _, c := range []struct {
		playbook           string
		sessions, requests int
	}{
		{"plain.hcl", 1, 1},
		{"facts.hcl", 2, 2}, // facts in the login shell, probes in sudo's
	} {
		t.Run(c.playbook, func(t *testing.T) {
			if r := clawrun(t, dir, nil, "apply", c.playbook, "-i", "inv.hcl"); r.Code != 0 {
				t.Fatalf("first apply: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
			}
			before := atoi(tb.MustSSH(t, h, ": > /var/tmp/clawrt/sessions; : > /var/tmp/clawrt/stdin; "+logins))
			r := clawrun(t, dir, nil, "apply", c.playbook, "-i", "inv.hcl", "--format", "json")
			if r.Code != 0 {
				t.Fatalf("no-change apply: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
			}
			rc := recap(t, events(t, r.Stdout))[h]
			if rc.Changed != 0 || rc.OK == 0 {
				t.Fatalf("the second apply was not a no-change run: %+v", rc)
			}
			got := tb.MustSSH(t, h, "grep -c . /var/tmp/clawrt/sessions; grep -c '^( eval ' /var/tmp/clawrt/stdin; "+logins)
			f := strings.Fields(got)
			if len(f) != 3 {
				t.Fatalf("host-side counts: %q", got)
			}
			sessions, requests, handshakes := atoi(f[0]), atoi(f[1]), atoi(f[2])-before
			if handshakes != 1 || sessions != c.sessions || requests != c.requests {
				t.Errorf("counted on the host: %d logins, %d sessions, %d round trips; want 1, %d, %d (clawrun says %+v)",
					handshakes, sessions, requests, c.sessions, c.requests, rc.Stats)
			}
			if rc.Stats == nil || rc.Stats.RoundTrips != requests {
				t.Errorf("clawrun counts %+v round trips, the host %d", rc.Stats, requests)
			}
		})
	}
}
