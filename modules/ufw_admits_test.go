package modules

import (
	"strings"
	"testing"
)

// TestUFWLockoutGuardTable: the ufw lock-out guard, through the module's
// plan: enabling ufw with incoming deny must keep the SSH connection in
// use admitted, first match wins as in ufw, or the plan is refused.
func TestUFWLockoutGuardTable(t *testing.T) {
	v4 := Host{SSHClient: "203.0.113.7", SSHServer: "10.0.0.5", SSHPort: 22}
	v6 := Host{SSHClient: "2001:db8::7", SSHServer: "2001:db8::5", SSHPort: 22}
	allow22 := UFWRule{Action: "allow", Port: "22", Proto: "tcp"}
	cases := []struct {
		name      string
		host      Host
		rules     []UFWRule
		stored    string // user.rules lines already on the host
		exclusive bool
		allowLock bool
		admitted  bool
		incoming  string // default_incoming; "" is deny
	}{
		{name: "default allow, no rule", host: v4, rules: nil, incoming: "allow", admitted: true},
		{name: "default allow, deny of the client's network", host: v4, rules: []UFWRule{{Action: "deny", From: "203.0.113.0/24"}}, incoming: "allow", admitted: false},
		{name: "default allow, reject of the port", host: v4, rules: []UFWRule{{Action: "reject", Port: "22", Proto: "tcp"}}, incoming: "allow", admitted: false},
		{name: "default allow, deny of another client", host: v4, rules: []UFWRule{{Action: "deny", From: "198.51.100.0/24"}}, incoming: "allow", admitted: true},
		{name: "allow by source port range only", host: v4, rules: []UFWRule{{Action: "allow", Port: "80", Proto: "tcp"}},
			stored: "user.rules allow tcp 22 0.0.0.0/0 1:1000 203.0.113.7 in\n", admitted: false},
		{name: "stored source-port allow does not admit", host: v4, rules: nil,
			stored: "user.rules allow tcp 22 0.0.0.0/0 22 203.0.113.7 in\n", admitted: false},
		{name: "allow 22", host: v4, rules: []UFWRule{allow22}, admitted: true},
		{name: "no rule", host: v4, rules: nil, admitted: false},
		{name: "deny before allow", host: v4, rules: []UFWRule{{Action: "deny", From: "203.0.113.0/24"}, allow22}, admitted: false},
		{name: "allow before deny", host: v4, rules: []UFWRule{allow22, {Action: "deny", From: "203.0.113.0/24"}}, admitted: true},
		{name: "deny of another client", host: v4, rules: []UFWRule{{Action: "deny", From: "198.51.100.0/24"}, allow22}, admitted: true},
		{name: "reject of the port", host: v4, rules: []UFWRule{{Action: "reject", Port: "22", Proto: "tcp", From: "203.0.113.0/24"}, allow22}, admitted: false},
		{name: "limit admits", host: v4, rules: []UFWRule{{Action: "limit", Port: "22", Proto: "tcp"}}, admitted: true},
		{name: "from the client", host: v4, rules: []UFWRule{{Action: "allow", Port: "22", Proto: "tcp", From: "203.0.113.7"}}, admitted: true},
		{name: "from another network", host: v4, rules: []UFWRule{{Action: "allow", Port: "22", Proto: "tcp", From: "10.0.0.0/8"}}, admitted: false},
		{name: "interface of the connection", host: v4, rules: []UFWRule{{Action: "allow", Port: "22", Proto: "tcp", Interface: "eth0"}}, admitted: true},
		{name: "another interface", host: v4, rules: []UFWRule{{Action: "allow", Port: "22", Proto: "tcp", Interface: "tailscale0"}}, admitted: false},
		{name: "to the server address", host: v4, rules: []UFWRule{{Action: "allow", Port: "22", Proto: "tcp", To: "10.0.0.5"}}, admitted: true},
		{name: "to another address", host: v4, rules: []UFWRule{{Action: "allow", Port: "22", Proto: "tcp", To: "10.0.0.9"}}, admitted: false},
		{name: "outgoing only", host: v4, rules: []UFWRule{{Action: "allow", Port: "22", Proto: "tcp", Direction: "out"}}, admitted: false},
		{name: "udp only", host: v4, rules: []UFWRule{{Action: "allow", Port: "22", Proto: "udp"}}, admitted: false},
		{name: "any proto", host: v4, rules: []UFWRule{{Action: "allow", Port: "22"}}, admitted: true},
		{name: "port range", host: v4, rules: []UFWRule{{Action: "allow", Port: "20:30", Proto: "tcp"}}, admitted: true},
		{name: "port range without 22", host: v4, rules: []UFWRule{{Action: "allow", Port: "2000:3000", Proto: "tcp"}}, admitted: false},
		{name: "port list", host: v4, rules: []UFWRule{{Action: "allow", Port: "80,22,443", Proto: "tcp"}}, admitted: true},
		{name: "port list without 22", host: v4, rules: []UFWRule{{Action: "allow", Port: "80,443", Proto: "tcp"}}, admitted: false},
		{name: "other ssh port", host: Host{SSHClient: "203.0.113.7", SSHServer: "10.0.0.5", SSHPort: 2222}, rules: []UFWRule{allow22}, admitted: false},
		{name: "ipv6 client, any source", host: v6, rules: []UFWRule{allow22}, admitted: true},
		{name: "ipv6 client, v4-only rule", host: v6, rules: []UFWRule{{Action: "allow", Port: "22", Proto: "tcp", From: "0.0.0.0/0"}}, admitted: false},
		{name: "ipv6 client, its prefix", host: v6, rules: []UFWRule{{Action: "allow", Port: "22", Proto: "tcp", From: "2001:db8::/32"}}, admitted: true},
		{name: "ipv6 client, v6 deny first", host: v6, rules: []UFWRule{{Action: "deny", From: "2001:db8::/32"}, allow22}, admitted: false},
		{name: "kept rule on the host admits", host: v4, rules: []UFWRule{{Action: "allow", Port: "443", Proto: "tcp"}},
			stored: "user.rules allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n", admitted: true},
		{name: "exclusive drops the kept rule", host: v4, rules: []UFWRule{{Action: "allow", Port: "443", Proto: "tcp"}},
			stored: "user.rules allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n", exclusive: true, admitted: false},
		{name: "stored deny before a declared allow", host: v4, rules: []UFWRule{allow22},
			stored: "user.rules deny any any 0.0.0.0/0 any 203.0.113.0/24 in\n", admitted: false},
		{name: "allow_lockout", host: v4, rules: nil, allowLock: true, admitted: true},
		{name: "local connection: nothing to lock out", host: Host{Local: true}, rules: nil, admitted: true},
		{name: "unknown client refuses", host: Host{SSHPort: 22, SSHServer: "10.0.0.5"}, rules: nil, admitted: false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			incoming := c.incoming
			if incoming == "" {
				incoming = "deny"
			}
			u := &UFW{State: "enabled", DefaultIncoming: incoming, Rules: c.rules, Exclusive: c.exclusive, AllowLockout: c.allowLock}
			out := "installed=yes\nENABLED=no\nIPV6=yes\nDEFAULT_INPUT_POLICY=ACCEPT\naddr eth0 10.0.0.5\naddr eth0 2001:db8::5\n" + c.stored
			h := c.host
			p, err := u.Plan(&h, out)
			switch {
			case c.admitted && err != nil:
				t.Errorf("refused: %v", err)
			case !c.admitted && err == nil:
				t.Errorf("admitted; plan %v", p.Lines)
			case err != nil && !strings.Contains(err.Error(), "lock-out guard"):
				t.Errorf("refusal does not name the guard: %v", err)
			}
		})
	}
}
