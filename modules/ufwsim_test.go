package modules

import (
	"strings"
	"testing"
)

const ufwOnDeny = "installed=yes\nENABLED=yes\nIPV6=yes\nDEFAULT_INPUT_POLICY=\"DROP\"\naddr eth0 10.66.0.11\n"

// TestUFWPlanRules plans ufw tasks against stored rules: the lines must be
// what ufw's own set_rule does with the commands (in-place replacement
// when only the action or comment differs), and the lock-out guard must
// judge the order ufw leaves.
func TestUFWPlanRules(t *testing.T) {
	ssh := &Host{Name: "h1", SSHPort: 22, SSHClient: "10.66.0.1", SSHServer: "10.66.0.11"}
	cases := []struct {
		name  string
		task  UFW
		rules string // user.rules / user6.rules lines
		host  *Host
		lines string // "sign text" per line, or "error: ..." (prefix)
		cmds  string // rule commands, one a line (optional)
	}{
		{
			name:  "action change replaces in place",
			task:  UFW{Rules: []UFWRule{{Action: "deny", Port: "8080", Proto: "tcp"}}},
			rules: "user.rules allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\nuser.rules allow tcp 8080 0.0.0.0/0 any 0.0.0.0/0 in\nuser6.rules allow tcp 8080 ::/0 any ::/0 in\n",
			host:  ssh,
			lines: "~ rule allow → deny in tcp from any to any port 8080\n~ rule allow → deny in tcp from any to any port 8080 (v6)\n",
			cmds:  "ufw deny in proto tcp from 'any' to 'any' port '8080'",
		},
		{
			name:  "comment change replaces in place",
			task:  UFW{Rules: []UFWRule{{Action: "allow", Port: "22", Proto: "tcp", From: "10.66.0.0/24", Comment: "new"}}},
			rules: "user.rules allow tcp 22 0.0.0.0/0 any 10.66.0.0/24 in comment=6f6c64\n",
			host:  ssh,
			lines: "~ rule allow in tcp from 10.66.0.0/24 to any port 22 # old → allow in tcp from 10.66.0.0/24 to any port 22 # new\n",
		},
		{
			name: "issue 19: deny of the ssh port turns the allow into a deny",
			task: UFW{State: "enabled", DefaultIncoming: "deny", Rules: []UFWRule{
				{Action: "allow", Port: "2222", Proto: "tcp"}, {Action: "deny", Port: "22", Proto: "tcp"}}},
			rules: "user.rules allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\nuser6.rules allow tcp 22 ::/0 any ::/0 in\n",
			host:  ssh,
			lines: `error: lock-out guard: rule "deny in tcp from any to any port 22" would block`,
		},
		{
			name: "in place replacement keeps the position the guard sees",
			task: UFW{State: "enabled", DefaultIncoming: "deny", AllowLockout: true, Rules: []UFWRule{
				{Action: "deny", Port: "22", Proto: "tcp"}, {Action: "allow", Port: "2222", Proto: "tcp"}}},
			rules: "user.rules allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\nuser.rules allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in\n",
			host:  ssh,
			lines: "~ rule allow → deny in tcp from any to any port 22\n+ rule deny in tcp from any to any port 22 (v6)\n+ rule allow in tcp from any to any port 2222\n+ rule allow in tcp from any to any port 2222 (v6)\n",
		},
		{
			name: "app profile rule admits ssh",
			task: UFW{State: "enabled", DefaultIncoming: "deny", Rules: []UFWRule{{Action: "allow", Port: "443", Proto: "tcp"}}},
			rules: "user.rules allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in\n" +
				"user6.rules allow tcp 22 ::/0 any ::/0 OpenSSH - in\n",
			host:  ssh,
			lines: "+ rule allow in tcp from any to any port 443\n+ rule allow in tcp from any to any port 443 (v6)\n",
		},
		{
			name: "exclusive deletes an app profile rule by its profile",
			task: UFW{Exclusive: true, Rules: []UFWRule{{Action: "allow", Port: "22", Proto: "tcp"}}},
			rules: "user.rules allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in\n" +
				"user6.rules allow tcp 22 ::/0 any ::/0 OpenSSH - in\n" +
				"user.rules allow tcp 80,443 0.0.0.0/0 any 0.0.0.0/0 WWW%20Full - in_eth0 comment=776562\n",
			host: ssh,
			lines: "- rule allow in tcp from any to any app OpenSSH\n- rule allow in tcp from any to any app OpenSSH (v6)\n" +
				"- rule allow in on eth0 tcp from any to any app WWW Full # web\n" +
				"+ rule allow in tcp from any to any port 22\n+ rule allow in tcp from any to any port 22 (v6)\n",
			cmds: "ufw delete allow in from 'any' to 'any' app 'OpenSSH'\n" +
				"ufw delete allow in on 'eth0' from 'any' to 'any' app 'WWW Full' comment 'web'\n" +
				"ufw allow in proto tcp from 'any' to 'any' port '22'",
		},
		{
			name: "exclusive with only an app profile rule for ssh: the guard refuses",
			task: UFW{State: "enabled", DefaultIncoming: "deny", Exclusive: true, Rules: []UFWRule{{Action: "allow", Port: "443", Proto: "tcp"}}},
			rules: "user.rules allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in\n" +
				"user6.rules allow tcp 22 ::/0 any ::/0 OpenSSH - in\n",
			host:  ssh,
			lines: "error: lock-out guard: with incoming deny, no rule admits",
		},
		{
			name:  "logged rule admits ssh and route rules are left alone",
			task:  UFW{State: "enabled", DefaultIncoming: "deny", Exclusive: true, Rules: []UFWRule{{Action: "allow", Port: "22", Proto: "tcp"}}},
			rules: "user.rules route:allow any any 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_eth1\nuser.rules allow_log tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n",
			host:  ssh,
			lines: "~ rule allow log in tcp from any to any port 22 → allow in tcp from any to any port 22\n+ rule allow in tcp from any to any port 22 (v6)\n",
		},
		{
			name:  "ssh source not learned: the guard refuses",
			task:  UFW{State: "enabled", DefaultIncoming: "deny", Rules: []UFWRule{{Action: "allow", Port: "22", Proto: "tcp"}}},
			host:  &Host{Name: "h1"},
			lines: "error: lock-out guard: the host did not report this SSH connection's source",
		},
		{
			name:  "ssh source not learned, allow_lockout",
			task:  UFW{State: "enabled", DefaultIncoming: "deny", AllowLockout: true, Rules: []UFWRule{{Action: "allow", Port: "22", Proto: "tcp"}}},
			host:  &Host{Name: "h1"},
			lines: "+ rule allow in tcp from any to any port 22\n+ rule allow in tcp from any to any port 22 (v6)\n",
		},
		{
			name:  "local connection: nothing to lock out",
			task:  UFW{State: "enabled", DefaultIncoming: "deny", Rules: []UFWRule{{Action: "allow", Port: "443", Proto: "tcp"}}},
			host:  &Host{Name: "h1", Local: true},
			lines: "+ rule allow in tcp from any to any port 443\n+ rule allow in tcp from any to any port 443 (v6)\n",
		},
		{
			name:  "IPv6 off: user6.rules is neither loaded nor managed",
			task:  UFW{Exclusive: true, Rules: []UFWRule{{Action: "allow", Port: "22", Proto: "tcp"}}},
			rules: "IPV6=no\nuser.rules allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\nuser6.rules allow tcp 80 ::/0 any ::/0 in\n",
			host:  ssh,
			lines: "",
		},
		{
			name:  "two rules ufw would merge",
			task:  UFW{Rules: []UFWRule{{Action: "allow", Port: "22", Proto: "tcp"}, {Action: "deny", Port: "22", Proto: "tcp"}}},
			host:  ssh,
			lines: "error: ufw rules 1 and 2 differ only in action or comment",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := c.task.Plan(c.host, ufwOnDeny+c.rules)
			var got strings.Builder
			if err != nil {
				got.WriteString("error: " + err.Error())
			} else {
				for _, l := range p.Lines {
					got.WriteString(l.Sign + " " + l.Text + "\n")
				}
			}
			if !strings.HasPrefix(got.String(), c.lines) || (err == nil && got.String() != c.lines) || (err != nil && c.lines == "") {
				t.Errorf("got\n%s\nwant\n%s", got.String(), c.lines)
			}
			if c.cmds != "" {
				_, cmds, err := c.task.planRules(&Plan{}, ParseUFWState(ufwOnDeny+c.rules))
				if err != nil || strings.Join(cmds, "\n") != c.cmds {
					t.Errorf("commands (err %v):\n%s\nwant\n%s", err, strings.Join(cmds, "\n"), c.cmds)
				}
			}
		})
	}
}

// TestUFWSetRule replays single commands as ufw's backend does.
func TestUFWSetRule(t *testing.T) {
	tup := func(s string) ufwTuple {
		x, ok := parseTuple(s)
		if !ok {
			t.Fatalf("bad tuple %q", s)
		}
		return x
	}
	a := tup("allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in")
	ac := tup("allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=6f6c64")
	d := tup("deny tcp 22 0.0.0.0/0 any 0.0.0.0/0 in")
	o := tup("allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in")
	str := func(rs []ufwTuple) string {
		var s []string
		for _, r := range rs {
			s = append(s, r.String())
		}
		return strings.Join(s, "; ")
	}
	cases := []struct {
		name  string
		rules []ufwTuple
		r     ufwTuple
		del   bool
		want  []ufwTuple
	}{
		{name: "add appends", rules: []ufwTuple{o}, r: a, want: []ufwTuple{o, a}},
		{name: "add of an existing rule is skipped", rules: []ufwTuple{a, o}, r: a, want: []ufwTuple{a, o}},
		{name: "other action replaces every twin in place", rules: []ufwTuple{a, o, ac}, r: d, want: []ufwTuple{d, o, d}},
		// ufw's set_rule: the commented twin counts as found, so no exact match goes.
		{name: "delete without comment removes commented twins", rules: []ufwTuple{ac, o, a, a}, r: a, del: true, want: []ufwTuple{o, a, a}},
		{name: "delete without comment, exact match first", rules: []ufwTuple{a, ac, a}, r: a, del: true, want: []ufwTuple{a}},
		{name: "delete with comment removes only its match", rules: []ufwTuple{a, ac}, r: ac, del: true, want: []ufwTuple{a}},
		{name: "delete of another action removes nothing", rules: []ufwTuple{a}, r: d, del: true, want: []ufwTuple{a}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _ := ufwSetRule(c.rules, c.r, c.del)
			if str(got) != str(c.want) {
				t.Errorf("got  %s\nwant %s", str(got), str(c.want))
			}
		})
	}
}
