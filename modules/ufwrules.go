package modules

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ruleCommands lists deletes, then adds in declared order. With all, every
// managed rule is deleted and every declared rule added.
func ruleCommands(cur []ufwTuple, decl [][]ufwTuple, managed func(ufwTuple) bool, ipv6, all bool) []ufwCmd {
	var dels []ufwCmd
	delCount := map[string]int{}
	add := make([]bool, len(decl))
	for _, v6 := range []bool{false, true} {
		var m []ufwTuple
		for _, t := range cur {
			if t.V6 == v6 && managed(t) {
				m = append(m, t)
			}
		}
		type want struct {
			t    ufwTuple
			rule int
		}
		var w []want
		for i, ts := range decl {
			for _, t := range ts {
				if t.V6 == v6 {
					w = append(w, want{t, i})
				}
			}
		}
		kept := make([]bool, len(m))
		j, n := 0, 0
		for ; !all && n < len(w); n++ {
			for j < len(m) && m[j].matchKey() != w[n].t.matchKey() {
				j++
			}
			if j == len(m) {
				break
			}
			kept[j] = true
			if m[j].key() != w[n].t.key() {
				add[w[n].rule] = true // replaced in place
			}
			j++
		}
		for _, x := range w[n:] {
			add[x.rule] = true
		}
		famCount := map[string]int{}
		for k, t := range m {
			if kept[k] {
				continue
			}
			c := t.command(true)
			if famCount[c]++; famCount[c] > delCount[c] {
				delCount[c]++
				dels = append(dels, ufwCmd{Del: true, Tuples: families(t, ipv6)})
			}
		}
	}
	for i, ts := range decl {
		if add[i] && len(ts) > 0 {
			dels = append(dels, ufwCmd{Tuples: ts})
		}
	}
	return dels
}

// families is what a command naming this rule acts on: both families
// when it names no address (and IPv6 is on), else the rule's own.
func families(t ufwTuple, ipv6 bool) []ufwTuple {
	if !t.both() || !ipv6 {
		return []ufwTuple{t}
	}
	v4, v6 := t, t
	v4.V6, v4.Src, v4.Dst = false, "0.0.0.0/0", "0.0.0.0/0"
	v6.V6, v6.Src, v6.Dst = true, "::/0", "::/0"
	return []ufwTuple{v4, v6}
}

// inDeclaredOrder reports whether the managed rules of each family are
// exactly the declared ones, in order.
func inDeclaredOrder(rules []ufwTuple, decl [][]ufwTuple, managed func(ufwTuple) bool) bool {
	var got, want []string
	for _, v6 := range []bool{false, true} {
		for _, t := range rules {
			if t.V6 == v6 && managed(t) {
				got = append(got, t.key())
			}
		}
		for _, ts := range decl {
			for _, t := range ts {
				if t.V6 == v6 {
					want = append(want, t.key())
				}
			}
		}
	}
	return strings.Join(got, "\n") == strings.Join(want, "\n")
}

// admits checks, first match wins as in ufw, that the final rules let the
// SSH connection in use through; else it names what is missing.
func admits(rules []ufwTuple, incoming string, h *Host, addrs map[string]string) error {
	client, err := netip.ParseAddr(h.SSHClient)
	if err != nil || h.SSHPort == 0 {
		// An SSH connection whose source the host did not tell
		// (SSH_CONNECTION empty): nothing can be checked, so nothing passes.
		return fmt.Errorf("lock-out guard: the host did not report this SSH connection's source address and port (SSH_CONNECTION was empty), so clawrun cannot check that ufw would still admit it; refusing (set allow_lockout = true to override)")
	}
	iface := ""
	if h.SSHServer != "" {
		iface = addrs[h.SSHServer]
	}
	for _, t := range rules {
		if t.Forward || t.Direction != "in" || t.V6 != client.Is6() || (t.Proto != "any" && t.Proto != "tcp") {
			continue
		}
		if t.Iface != "" && t.Iface != iface {
			continue
		}
		if !portMatches(t.DPort, h.SSHPort) || !addrMatches(t.Src, client) {
			continue
		}
		// A rule on the client's source port (or source app) matches
		// whatever ephemeral port the next login comes from, or not:
		// it cannot be counted on to admit, and a deny may block.
		if (t.SPort != "" && t.SPort != "any") || t.SApp != "" {
			switch t.Action {
			case "allow", "limit":
				continue
			}
			return fmt.Errorf("lock-out guard: rule %q may block this SSH connection (from %s to port %d, by its source port); refusing (set allow_lockout = true to override)", t.String(), client, h.SSHPort)
		}
		if h.SSHServer != "" {
			if srv, err := netip.ParseAddr(h.SSHServer); err == nil && !addrMatches(t.Dst, srv) {
				continue
			}
		}
		if t.Action == "allow" || t.Action == "limit" {
			return nil
		}
		return fmt.Errorf("lock-out guard: rule %q would block this SSH connection (from %s to port %d); refusing (set allow_lockout = true to override)", t.String(), client, h.SSHPort)
	}
	if incoming == "allow" {
		return nil // no rule matched: the default admits it
	}
	return fmt.Errorf("lock-out guard: with incoming %s, no rule admits this SSH connection from %s to port %d/tcp; add e.g. rule { action = \"allow\", port = %d, proto = \"tcp\", from = %q } (or set allow_lockout = true)",
		incoming, client, h.SSHPort, h.SSHPort, client.String())
}

func portMatches(spec string, port int) bool {
	if spec == "any" {
		return true
	}
	for _, part := range strings.Split(spec, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		a, _ := strconv.Atoi(lo)
		b := a
		if isRange {
			b, _ = strconv.Atoi(hi)
		}
		if port >= a && port <= b {
			return true
		}
	}
	return false
}

func addrMatches(spec string, a netip.Addr) bool {
	if spec == "0.0.0.0/0" || spec == "::/0" || spec == "any" {
		return true
	}
	p, err := parseAddr(spec)
	return err == nil && p.Contains(a)
}
