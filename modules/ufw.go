package modules

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// UFW declares firewall state: on/off, default policies, logging and an
// ordered list of rules. It refuses changes that would shut out the SSH
// connection in use unless allow_lockout is set.
type UFW struct {
	// State is enabled or disabled; unset leaves it.
	State string `hcl:"state,optional"`
	// DefaultIncoming, DefaultOutgoing, DefaultRouted: allow, deny or reject.
	DefaultIncoming string `hcl:"default_incoming,optional"`
	DefaultOutgoing string `hcl:"default_outgoing,optional"`
	DefaultRouted   string `hcl:"default_routed,optional"`
	// Logging is off, on, low, medium, high or full.
	Logging string `hcl:"logging,optional"`
	// Rules, in order.
	Rules []UFWRule `hcl:"rule,block"`
	// Exclusive deletes rules this task does not declare.
	Exclusive bool `hcl:"exclusive,optional"`
	// AllowLockout lets the task enable ufw or deny incoming even when the
	// result would not admit this SSH connection.
	AllowLockout bool `hcl:"allow_lockout,optional"`
}

// UFWRule is one rule block.
type UFWRule struct {
	// Action is allow, deny, limit or reject.
	Action string `hcl:"action"`
	// Port is a port, a range "8000:8100" or a list "80,443"; unset: any.
	Port string `hcl:"port,optional"`
	// Proto is tcp, udp or any (default).
	Proto string `hcl:"proto,optional"`
	// From and To are addresses or CIDRs; unset: any.
	From string `hcl:"from,optional"`
	To   string `hcl:"to,optional"`
	// Interface restricts the rule to one interface (e.g. tailscale0).
	Interface string `hcl:"interface,optional"`
	// Direction is in (default) or out.
	Direction string `hcl:"direction,optional"`
	// Comment is stored with the rule.
	Comment string `hcl:"comment,optional"`
}

var (
	_ Module  = (*UFW)(nil)
	_ Checker = (*UFW)(nil)
)

// Check validates enumerations, ports and addresses.
func (u *UFW) Check(a Attrs) hcl.Diagnostics {
	diags := oneOf(a, "state", u.State, "enabled", "disabled")
	for _, n := range []string{"default_incoming", "default_outgoing", "default_routed"} {
		diags = append(diags, oneOf(a, n, map[string]string{"default_incoming": u.DefaultIncoming,
			"default_outgoing": u.DefaultOutgoing, "default_routed": u.DefaultRouted}[n], "allow", "deny", "reject")...)
	}
	diags = append(diags, oneOf(a, "logging", u.Logging, "off", "on", "low", "medium", "high", "full")...)
	for i, r := range u.Rules {
		at := func(n string) string { return fmt.Sprintf("rule.%d.%s", i, n) }
		sub := Attrs{"": a[""]}
		for _, n := range []string{"action", "port", "proto", "from", "to", "direction", "comment"} {
			if v, ok := a[at(n)]; ok {
				sub[n] = v
			}
		}
		diags = append(diags, oneOf(sub, "action", r.Action, "allow", "deny", "limit", "reject")...)
		diags = append(diags, oneOf(sub, "proto", r.Proto, "tcp", "udp", "any")...)
		diags = append(diags, oneOf(sub, "direction", r.Direction, "in", "out")...)
		if err := ParseUFWPort(r.Port); err != nil {
			diags = append(diags, sub.Diag("port", "Invalid port", err.Error()))
		}
		if strings.ContainsAny(r.Comment, "'\n") {
			diags = append(diags, sub.Diag("comment", "Invalid comment", "ufw refuses comments holding ' (and a rule is one line)."))
		}
		if (strings.ContainsAny(r.Port, ":,")) && (r.Proto == "" || r.Proto == "any") {
			diags = append(diags, sub.Diag("proto", "Missing proto", "Port ranges and lists need proto = \"tcp\" or \"udp\"."))
		}
		for _, n := range []string{"from", "to"} {
			v := map[string]string{"from": r.From, "to": r.To}[n]
			if _, err := parseAddr(v); err != nil {
				diags = append(diags, sub.Diag(n, "Invalid address", err.Error()))
			}
		}
	}
	return diags
}

// ParseUFWPort checks a port spec: n, a:b, or a comma list of those.
func ParseUFWPort(s string) error {
	if s == "" || s == "any" {
		return nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 1 || a > 65535 {
			return fmt.Errorf("%q is not a port number (1-65535)", lo)
		}
		if isRange {
			b, err := strconv.Atoi(hi)
			if err != nil || b < a || b > 65535 {
				return fmt.Errorf("%q is not a port range", part)
			}
		}
	}
	return nil
}

// parseAddr parses "", "any", an address or a CIDR.
func parseAddr(s string) (netip.Prefix, error) {
	if s == "" || s == "any" {
		return netip.Prefix{}, nil
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return p, fmt.Errorf("%q is not an address or CIDR", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Probe reads ufw's own files: far cheaper than `ufw status` (Python).
func (u *UFW) Probe() string {
	return `if [ -x /usr/sbin/ufw ]; then echo installed=yes; fi
for f in /etc/ufw/ufw.conf /etc/default/ufw; do
  [ -r "$f" ] && while IFS= read -r l; do case "$l" in [A-Z]*=*) echo "$l";; esac; done < "$f"
done
for f in /etc/ufw/user.rules /etc/ufw/user6.rules; do
  [ -r "$f" ] && while IFS= read -r l; do case "$l" in "### tuple ### "*) echo "${f##*/} ${l#"### tuple ### "}";; esac; done < "$f"
done
ip -o addr show 2>/dev/null | while read -r _ dev fam addr _; do echo "addr $dev ${addr%/*}"; done
true`
}

// ufwState is the parsed probe.
type ufwState struct {
	Installed bool
	Conf      map[string]string
	Rules     []ufwTuple // v4 then v6, each in file order
	Addrs     map[string]string
}

// ParseUFWState parses the probe output; pure, fuzzed.
func ParseUFWState(out string) ufwState {
	st := ufwState{Conf: map[string]string{}, Addrs: map[string]string{}}
	for _, l := range strings.Split(out, "\n") {
		switch {
		case l == "installed=yes":
			st.Installed = true
		case strings.HasPrefix(l, "user.rules "), strings.HasPrefix(l, "user6.rules "):
			if t, ok := parseTuple(l[strings.Index(l, " ")+1:]); ok {
				t.V6 = strings.HasPrefix(l, "user6")
				st.Rules = append(st.Rules, t)
			}
		case strings.HasPrefix(l, "addr "):
			if f := strings.Fields(l); len(f) == 3 {
				st.Addrs[f[2]] = f[1]
			}
		default:
			if k, v, ok := strings.Cut(l, "="); ok && k != "" {
				st.Conf[k] = strings.Trim(v, `"`)
			}
		}
	}
	return st
}

// tuples returns the stored form of a declared rule, per address family.
func (r UFWRule) tuples(ipv6 bool) []ufwTuple {
	base := ufwTuple{Action: r.Action, Proto: or(r.Proto, "any"), DPort: ufwPortForm(or(r.Port, "any")), SPort: "any",
		Direction: or(r.Direction, "in"), Iface: r.Interface, Comment: r.Comment}
	if base.Proto == "any" && base.DPort == "any" {
		base.Proto = "any"
	}
	var out []ufwTuple
	for _, v6 := range []bool{false, true} {
		if v6 && !ipv6 {
			continue
		}
		src, ok1 := famAddr(r.From, v6)
		dst, ok2 := famAddr(r.To, v6)
		if !ok1 || !ok2 {
			continue
		}
		t := base
		t.Src, t.Dst, t.V6 = src, dst, v6
		out = append(out, t)
	}
	return out
}

// famAddr renders an address for one family as ufw stores it; false when
// the address belongs to the other family.
func famAddr(s string, v6 bool) (string, bool) {
	p, err := parseAddr(s)
	if err != nil || !p.IsValid() {
		if v6 {
			return "::/0", true
		}
		return "0.0.0.0/0", true
	}
	if p.Addr().Is6() != v6 {
		return "", false
	}
	if p.IsSingleIP() {
		return p.Addr().String(), true
	}
	return p.String(), true
}

// word quotes s for sh and shlex unless it is plainly one harmless word.
func word(s string) string {
	if s != "" && s[0] != '-' && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:/,") == "" {
		return s
	}
	return Quote(s)
}

// Plan computes the ufw commands, in the order the runbook prescribes:
// defaults and rules first, enable last.
func (u *UFW) Plan(h *Host, out string) (*Plan, error) {
	st := ParseUFWState(out)
	if !st.Installed {
		// The package defaults: what an earlier apt task will install.
		st.Conf = map[string]string{"ENABLED": "no", "LOGLEVEL": "low", "IPV6": "yes",
			"DEFAULT_INPUT_POLICY": "DROP", "DEFAULT_OUTPUT_POLICY": "ACCEPT", "DEFAULT_FORWARD_POLICY": "DROP"}
		st.Rules = nil
	}
	p := &Plan{}
	var cmds []string
	policy := map[string]string{"DROP": "deny", "ACCEPT": "allow", "REJECT": "reject"}
	incoming := policy[st.Conf["DEFAULT_INPUT_POLICY"]]
	for _, d := range []struct{ want, key, dir string }{
		{u.DefaultIncoming, "DEFAULT_INPUT_POLICY", "incoming"},
		{u.DefaultOutgoing, "DEFAULT_OUTPUT_POLICY", "outgoing"},
		{u.DefaultRouted, "DEFAULT_FORWARD_POLICY", "routed"},
	} {
		cur := policy[st.Conf[d.key]]
		if d.want != "" && d.want != cur {
			p.add("~", "default %s: %s -> %s", d.dir, or(cur, "?"), d.want)
			cmds = append(cmds, "ufw default "+d.want+" "+d.dir)
			if d.dir == "incoming" {
				incoming = d.want
			}
		}
	}
	if u.Logging != "" {
		cur := st.Conf["LOGLEVEL"]
		if cur == "" {
			cur = "off"
		}
		want := ufwLogLevel(u.Logging, cur)
		if want != cur {
			p.add("~", "logging: %s -> %s", cur, want)
			cmds = append(cmds, "ufw logging "+u.Logging)
		}
	}
	final, ruleCmds, err := u.planRules(p, st)
	if err != nil {
		return nil, err
	}
	cmds = append(cmds, ruleCmds...)
	enabled := st.Conf["ENABLED"] == "yes"
	willEnable := enabled
	switch u.State {
	case "enabled":
		willEnable = true
		if !enabled {
			p.add("~", "enable ufw")
		}
	case "disabled":
		willEnable = false
		if enabled {
			p.add("~", "disable ufw")
			cmds = append(cmds, "ufw disable")
		}
	}
	if len(p.Lines) == 0 {
		return p, nil
	}
	// Whatever the default: a deny or reject rule blocks as surely under
	// "allow incoming" as under "deny" (first match wins).
	if willEnable && !u.AllowLockout && h != nil && !h.Local {
		if err := admits(final, incoming, h, st.Addrs); err != nil {
			return nil, err
		}
	}
	script := ufwCommands(cmds)
	if u.State == "enabled" && !enabled {
		script += ufwEnable
	}
	p.step("ufw", script)
	p.Touches = []string{ufwStateKey}
	return p, nil
}

// ufwCommands runs ufw commands. Two or more go through one python3 that
// drives ufw's own frontend, the code /usr/sbin/ufw runs: every ufw
// process would pay Python's start and ufw's capability test (ten
// iptables calls) again. Where that frontend cannot be loaded (another
// ufw), the commands run one by one.
func ufwCommands(cmds []string) string {
	if len(cmds) == 0 {
		return ""
	}
	cli := "set -e\n" + strings.Join(cmds, " >/dev/null\n") + " >/dev/null\n"
	if len(cmds) == 1 {
		return cli
	}
	list, _ := json.Marshal(cmds)
	return "rc=0; python3 - <<'CLAWRUN_UFW' || rc=$?\ncmds = " + string(list) + "\n" + ufwDriver + "CLAWRUN_UFW\n" +
		"if [ \"$rc\" = 100 ]; then\n" + cli + "elif [ \"$rc\" != 0 ]; then exit \"$rc\"; fi\n"
}

// ufwDriver follows /usr/sbin/ufw's main: the lock, parse_command and
// do_action per command. Exit 100: the frontend is not what it expects,
// and nothing was changed.
const ufwDriver = `import sys
# ufw checks that the program running it is root's and not writable.
sys.argv = ['/usr/sbin/ufw']
try:
    import gettext, shlex
    import ufw.common, ufw.frontend, ufw.util
    gettext.install(ufw.common.programName)
    ui = ufw.frontend.UFWFrontend(False)
    parsed = [ufw.frontend.parse_command(shlex.split(c)) for c in cmds]
    lock = ufw.util.create_lock(lockfile='/run/ufw.lock', dryrun=False)
except Exception:
    sys.exit(100)
try:
    for pr in parsed:
        if 'rule' in pr.data:
            ui.do_action(pr.action, pr.data['rule'], pr.data['iptype'], True)
        else:
            ui.do_action(pr.action, '', '', True)
except ufw.common.UFWError as e:
    sys.stderr.write('ERROR: %s\n' % e.value)
    sys.exit(1)
finally:
    ufw.util.release_lock(lock)
`

// ufwEnable turns ufw on the way ufw.service does at boot: ENABLED=yes and
// `ufw-init start`, which loads before.rules, user.rules (logging
// included) and after.rules with iptables-restore. `ufw enable` does the
// same and then rebuilds the logging chains with some 70 single iptables
// calls that yield the same ruleset (the real-host test compares
// iptables-save); on a small VPS that is most of the cost of a first run.
// Like `ufw enable`, a failed start sets ENABLED=no again. Without
// ufw-init (another layout), `ufw --force enable` it is.
const ufwEnable = `init=/lib/ufw/ufw-init conf=/etc/ufw/ufw.conf
if [ ! -x "$init" ] || [ ! -f "$conf" ]; then ufw --force enable >/dev/null; exit; fi
if grep -q '^ENABLED=' "$conf"; then sed -i 's/^ENABLED=.*/ENABLED=yes/' "$conf"; else echo ENABLED=yes >>"$conf"; fi
if ! out=$("$init" start 2>&1); then
  sed -i 's/^ENABLED=.*/ENABLED=no/' "$conf"
  printf '%s\n' "$out" | grep -v '^sysctl: ' >&2
  echo "ufw-init start failed; ufw stays disabled" >&2
  exit 1
fi`

// planRules decides the rule commands. Per family, the longest prefix of
// declared rules found in order among the managed rules (equal but for
// action, log type or comment) stays where it is, replaced in place where
// it differs, as ufw does; every other managed rule is deleted and the
// rest of the declared rules appended. The commands are then replayed as
// ufw's backend runs them: the replay must give the declared order, its
// changes are the plan's lines, and its result is what the lock-out guard
// checks. Route rules are never managed.
func (u *UFW) planRules(p *Plan, st ufwState) ([]ufwTuple, []string, error) {
	ipv6 := st.Conf["IPV6"] != "no"
	if !ipv6 {
		// ufw reads user6.rules only with IPv6 on: neither loaded nor managed.
		var v4 []ufwTuple
		for _, t := range st.Rules {
			if !t.V6 {
				v4 = append(v4, t)
			}
		}
		st.Rules = v4
	}
	var decl [][]ufwTuple
	wanted := map[string]int{}
	for i, r := range u.Rules {
		ts := r.tuples(ipv6)
		for _, t := range ts {
			if j, dup := wanted[t.matchKey()]; dup {
				return nil, nil, fmt.Errorf("ufw rules %d and %d differ only in action or comment (%s): ufw keeps one rule for both; remove one of them", j+1, i+1, t.rest())
			}
			wanted[t.matchKey()] = i
		}
		decl = append(decl, ts)
	}
	managed := func(t ufwTuple) bool {
		_, w := wanted[t.matchKey()]
		return !t.Forward && (u.Exclusive || w)
	}
	var final []ufwTuple
	var changes []ufwChange
	var cmds []ufwCmd
	for _, all := range []bool{false, true} {
		cmds = ruleCommands(st.Rules, decl, managed, ipv6, all)
		final, changes = ufwReplay(st.Rules, cmds)
		if inDeclaredOrder(final, decl, managed) {
			for _, c := range changes {
				p.add(c.Sign, "%s", c.text())
			}
			var out []string
			for _, c := range cmds {
				out = append(out, c.String())
			}
			return final, out, nil
		}
	}
	return nil, nil, fmt.Errorf("ufw rules cannot be brought into the declared order with ufw's commands (duplicate rules on the host?); delete the duplicates with 'ufw delete' and run again")
}
