package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestVPSPlaybook applies the runbook's playbook to fresh hosts and checks
// the result on each host, as an operator following the runbook would.
func TestVPSPlaybook(t *testing.T) {
	tb := testbed.Get(t)
	tb.Reset(t, tb.Hosts...)
	// Hardened hosts (ufw, sshd, services) would change what later tests
	// meet: they get fresh hosts again.
	t.Cleanup(func() { tb.Reset(t, tb.Hosts...) })
	converge(t, tb, "../../../playbooks/vps.hcl", "--var-file", "vps-test.hcl", "--var", "admin_cidr="+tb.Subnet())
	checkVPS(t, tb)
}

// checkVPS checks on each host what vps.hcl (with vps-test.hcl) promises.
func checkVPS(t *testing.T, tb *testbed.Testbed) {
	each(t, tb, func(h string) {
		expect(t, h, tb.MustSSH(t, h, "sshd -T | grep -E '^(permitrootlogin|passwordauthentication|pubkeyauthentication) '"),
			"permitrootlogin no\npubkeyauthentication yes\npasswordauthentication no")
		expect(t, h, tb.MustSSH(t, h, "ufw status | sed 's/ *$//'"), `Status: active

To                         Action      From
--                         ------      ----
22/tcp                     ALLOW       `+tb.Subnet()+`               # ssh
80/tcp                     ALLOW       Anywhere                   # nginx
80/tcp (v6)                ALLOW       Anywhere (v6)              # nginx`)
		if out := tb.MustSSH(t, h, "fail2ban-client status sshd"); !strings.Contains(out, "Status for the jail: sshd") {
			t.Errorf("%s: fail2ban sshd jail not answering:\n%s", h, out)
		}
		expect(t, h, tb.MustSSH(t, h, "dpkg-query -W -f='${db:Status-Abbrev}|\\n' chrony unattended-upgrades; systemctl is-enabled chrony unattended-upgrades fail2ban openclaw-gateway"),
			"ii |\nii |\nenabled\nenabled\nenabled\nenabled")
		// chrony's unit has ConditionCapability=CAP_SYS_TIME, which a
		// container lacks: enabled, installed, and skipped by systemd here.
		expect(t, h, tb.MustSSH(t, h, "systemctl is-active openclaw-gateway fail2ban nginx; systemctl show -p MemoryMax -p CPUQuotaPerSecUSec openclaw-gateway"),
			"active\nactive\nactive\nCPUQuotaPerSecUSec=800ms\nMemoryMax=1073741824")
		expect(t, h, tb.MustSSH(t, h, "stat -c '%a %U' /home/moltbot/.openclaw /home/moltbot/.openclaw/openclaw.json; jq -c '[.gateway.bind, .gateway.auth.mode, .gateway.trustedProxies, .browser.evaluateEnabled, .plugins.enabled, .discovery.mdns.mode, .logging.redactSensitive]' /home/moltbot/.openclaw/openclaw.json"),
			`700 moltbot
600 moltbot
["loopback","token",["127.0.0.1"],false,false,"off","tools"]`)
		expect(t, h, tb.MustSSH(t, h, "cat /etc/cron.d/openclaw-backup"),
			"# clawrun: openclaw backup\n0 2 * * 0 moltbot tar czf /home/moltbot/backups/openclaw-backup-$(date +\\%Y\\%m\\%d).tar.gz -C /home/moltbot/ .openclaw/")
		// Swap: a container may not swapon (the kernel refuses), so the
		// playbook skips activation there; file and fstab line are checked.
		if virt := tb.MustSSH(t, h, "systemd-detect-virt --container || true"); strings.TrimSpace(virt) != "none" {
			t.Logf("%s is a container (%s): swapon is not permitted; checking /swapfile and fstab only", h, strings.TrimSpace(virt))
			expect(t, h, tb.MustSSH(t, h, "stat -c '%a %s' /swapfile; grep -c '^/swapfile none swap sw 0 0$' /etc/fstab"), "600 2147483648\n1")
		} else {
			expect(t, h, tb.MustSSH(t, h, "swapon --show=NAME --noheadings"), "/swapfile")
		}
		// nginx answers on port 80 and proxies to the (absent) gateway.
		expect(t, h, tb.MustSSH(t, h, "grep -c . /etc/profile.d/openclaw.sh; bash -c 'exec 3<>/dev/tcp/127.0.0.1/80; printf \"GET / HTTP/1.0\\r\\n\\r\\n\" >&3; head -1 <&3' | tr -d '\\r'"), "4\nHTTP/1.1 502 Bad Gateway")
		// After hardening, a fresh SSH login as the sudo user still works.
		expect(t, h, tb.MustSSH(t, h, "id -un"), "root")
	})
}

// TestRotateToken rotates the token on every host: new and different per
// host, the gateway restarted once, no token in any output, and the
// operator's file 0600 with each host's token. It sets up its own gateway
// stand-in (a user with openclaw.json and a unit), not another test's.
func TestRotateToken(t *testing.T) {
	tb := testbed.Get(t)
	cleanupHosts(t, tb, "systemctl disable -q --now clawtest-gateway 2>/dev/null; rm -f /etc/systemd/system/clawtest-gateway.service; systemctl daemon-reload; userdel -r clawtok 2>/dev/null; true")
	for _, h := range tb.Hosts {
		tb.MustSSH(t, h, `id clawtok >/dev/null 2>&1 || useradd -m clawtok
install -d -m 0700 -o clawtok -g clawtok /home/clawtok/.openclaw
printf '{"gateway":{"bind":"loopback","auth":{"mode":"token","token":"old-`+h+`-5e1d0c7a9b"}}}\n' > /home/clawtok/.openclaw/openclaw.json
chown clawtok:clawtok /home/clawtok/.openclaw/openclaw.json; chmod 0600 /home/clawtok/.openclaw/openclaw.json
printf '[Service]\nExecStart=/usr/bin/python3 -m http.server 18790 --bind 127.0.0.1\n' > /etc/systemd/system/clawtest-gateway.service
systemctl daemon-reload; systemctl restart clawtest-gateway`)
	}
	// The stand-in listens, so the playbook's wait after the restart runs.
	vars := []string{"--var", "admin_user=clawtok", "--var", "service=clawtest-gateway", "--var", "port=18790"}
	old := map[string]string{}
	starts := map[string]string{}
	for _, h := range tb.Hosts {
		old[h] = strings.TrimSpace(tb.MustSSH(t, h, "jq -r .gateway.auth.token /home/clawtok/.openclaw/openclaw.json"))
		starts[h] = tb.MustSSH(t, h, "journalctl -u clawtest-gateway -o cat | grep -c '^Started' || true")
	}
	tokenFile := filepath.Join(t.TempDir(), "tokens.env")
	var out strings.Builder
	for _, args := range [][]string{
		{"plan", "../../../playbooks/rotate-token.hcl", "-i", tb.Inventory, "--var", "token_file=" + tokenFile, "-v"},
		{"apply", "../../../playbooks/rotate-token.hcl", "-i", tb.Inventory, "--var", "token_file=" + tokenFile, "--diff", "-v", "--format", "json"},
	} {
		r := clawrun(t, "testdata", nil, append(args, vars...)...)
		out.WriteString(r.Stdout + r.Stderr)
		if r.Code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", args[0], r.Code, r.Stdout, r.Stderr)
		}
	}
	st, err := os.Stat(tokenFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", err, st)
	}
	recorded, _ := os.ReadFile(tokenFile)
	seen := map[string]bool{}
	for _, h := range tb.Hosts {
		tok := strings.TrimSpace(tb.MustSSH(t, h, "jq -r .gateway.auth.token /home/clawtok/.openclaw/openclaw.json"))
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(tok) || tok == old[h] || seen[tok] {
			t.Errorf("%s: token %q not new, not 64 hex or shared (old %q)", h, tok, old[h])
		}
		seen[tok] = true
		if !strings.Contains(string(recorded), h+"="+tok+"\n") {
			t.Errorf("%s: token file lacks this host's token", h)
		}
		for _, secret := range []string{tok, old[h]} {
			if strings.Contains(out.String(), secret) {
				t.Errorf("%s: a token appears in the output", h)
			}
		}
		after := tb.MustSSH(t, h, "journalctl -u clawtest-gateway -o cat | grep -c '^Started' || true")
		if atoi(after) != atoi(starts[h])+1 {
			t.Errorf("%s: gateway started %s -> %s times, want exactly one restart", h, strings.TrimSpace(starts[h]), strings.TrimSpace(after))
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range strings.TrimSpace(s) {
		n = n*10 + int(c-'0')
	}
	return n
}
