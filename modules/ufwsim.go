package modules

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// ufw keeps its rules in user.rules and user6.rules as "### tuple ###"
// lines. This file reads them as ufw's backend does (_read_rules) and
// replays `ufw` rule commands on them as its set_rule does, so that the
// plan shows, and the lock-out guard checks, the order apply really leaves:
// ufw replaces a rule in place when only its action, log type or comment
// differs, instead of appending the new one.

// ufwTuple is a rule as ufw stores it.
type ufwTuple struct {
	Action     string // allow, deny, reject, limit
	Log        string // "", log, log-all
	Proto      string
	DPort, Dst string
	SPort, Src string
	DApp, SApp string // application profiles ("OpenSSH"), "" when none
	Direction  string // in, out
	Iface      string // interface of the rule's direction
	IfaceOut   string // out interface of a route rule with both
	Forward    bool   // a route rule (FORWARD chain)
	Comment    string
	V6         bool
}

// matchKey is everything ufw's UFWRule.match compares before action, log
// type and comment: rules equal on it are one rule to ufw, and adding one
// replaces the others in place.
func (t ufwTuple) matchKey() string {
	return strings.Join([]string{t.Proto, t.DPort, t.Dst, t.SPort, t.Src, t.DApp, t.SApp, t.Direction,
		t.Iface, t.IfaceOut, fmt.Sprint(t.Forward, t.V6)}, "\x00")
}

func (t ufwTuple) key() string {
	return t.matchKey() + "\x00" + t.Action + "\x00" + t.Log + "\x00" + t.Comment
}

// parseTuple reads one tuple line (after "### tuple ###"), as ufw's
// _read_rules does: 6 to 9 fields, the 8- and 9-field forms carrying the
// application profiles, an odd count ending in the direction (and
// interfaces), comment= last and hex-encoded.
func parseTuple(s string) (ufwTuple, bool) {
	var t ufwTuple
	if i := strings.Index(s, " comment="); i >= 0 {
		if b, err := hex.DecodeString(strings.TrimSpace(s[i+len(" comment="):])); err == nil {
			t.Comment = string(b)
		}
		s = s[:i]
	}
	f := strings.Fields(s)
	if len(f) < 6 || len(f) > 9 {
		return ufwTuple{}, false
	}
	t.Direction = "in"
	if len(f) == 7 || len(f) == 9 {
		last := f[len(f)-1]
		t.Direction, _, _ = strings.Cut(last, "_")
		switch in, out, both := strings.Cut(last, "!"); {
		case both && strings.HasPrefix(in, "in_") && strings.HasPrefix(out, "out_"):
			t.Iface, t.IfaceOut = in[3:], out[4:]
		case strings.HasPrefix(last, "in_"):
			t.Iface = last[3:]
		case strings.HasPrefix(last, "out_"):
			t.Iface = last[4:]
		case strings.Contains(last, "_"):
			return ufwTuple{}, false // ufw skips it too
		}
	}
	action := f[0]
	if _, a, ok := strings.Cut(action, ":"); ok {
		t.Forward, action = true, a
	}
	action, t.Log, _ = strings.Cut(strings.ToLower(action), "_")
	switch action {
	case "allow", "reject", "limit":
		t.Action = action
	default:
		t.Action = "deny" // what ufw's set_action makes of anything else
	}
	t.Proto, t.DPort, t.Dst, t.SPort, t.Src = f[1], f[2], f[3], f[4], f[5]
	if len(f) >= 8 {
		if f[6] != "-" {
			t.DApp = strings.ReplaceAll(f[6], "%20", " ")
		}
		if f[7] != "-" {
			t.SApp = strings.ReplaceAll(f[7], "%20", " ")
		}
	}
	return t, true
}

// both reports whether a ufw command for this rule acts on IPv4 and IPv6
// at once (no address of either family named).
func (t ufwTuple) both() bool {
	return anyAddr(t.Src) == "any" && anyAddr(t.Dst) == "any"
}

// command renders the ufw command that adds (or deletes) this rule. A
// delete names the comment too, so it removes this rule and not a twin
// that differs only in its comment (ufw's delete without a comment
// removes every such twin).
func (t ufwTuple) command(del bool) string {
	var b strings.Builder
	b.WriteString("ufw ")
	if del {
		b.WriteString("delete ")
	}
	b.WriteString(word(t.Action) + " " + word(t.Direction))
	if t.Iface != "" {
		b.WriteString(" on " + Quote(t.Iface))
	}
	if t.Log != "" {
		b.WriteString(" " + word(t.Log))
	}
	if t.Proto != "any" && t.DApp == "" && t.SApp == "" {
		b.WriteString(" proto " + word(t.Proto))
	}
	b.WriteString(" from " + Quote(anyAddr(t.Src)))
	switch {
	case t.SApp != "":
		b.WriteString(" app " + Quote(t.SApp))
	case t.SPort != "any":
		b.WriteString(" port " + Quote(t.SPort))
	}
	b.WriteString(" to " + Quote(anyAddr(t.Dst)))
	switch {
	case t.DApp != "":
		b.WriteString(" app " + Quote(t.DApp))
	case t.DPort != "any":
		b.WriteString(" port " + Quote(t.DPort))
	}
	if t.Comment != "" {
		b.WriteString(" comment " + Quote(t.Comment))
	}
	return b.String()
}

func anyAddr(a string) string {
	if a == "0.0.0.0/0" || a == "::/0" {
		return "any"
	}
	return a
}

func (t ufwTuple) String() string {
	s := t.Action
	if t.Forward {
		s = "route " + s
	}
	if t.Log != "" {
		s += " " + t.Log
	}
	return s + " " + t.rest()
}

// rest is the rule without its action.
func (t ufwTuple) rest() string {
	s := t.Direction
	if t.Iface != "" {
		s += " on " + t.Iface
	}
	if t.IfaceOut != "" {
		s += " out on " + t.IfaceOut
	}
	if t.Proto != "any" {
		s += " " + t.Proto
	}
	s += " from " + anyAddr(t.Src)
	if t.SApp != "" {
		s += " app " + t.SApp
	} else if t.SPort != "any" {
		s += " port " + t.SPort
	}
	s += " to " + anyAddr(t.Dst)
	if t.DApp != "" {
		s += " app " + t.DApp
	} else if t.DPort != "any" {
		s += " port " + t.DPort
	}
	if t.V6 {
		s += " (v6)"
	}
	if t.Comment != "" {
		s += " # " + t.Comment
	}
	return s
}

// ufwCmd is one rule command: add (or delete) one rule in each family it
// covers.
type ufwCmd struct {
	Del    bool
	Tuples []ufwTuple // one per family the command acts on
}

func (c ufwCmd) String() string { return c.Tuples[0].command(c.Del) }

// ufwChange is what one command did to one family's rules.
type ufwChange struct {
	Sign     string // + appended, - deleted, ~ replaced in place
	Old, New ufwTuple
}

func (c ufwChange) text() string {
	switch c.Sign {
	case "-":
		return "rule " + c.Old.String()
	case "+":
		return "rule " + c.New.String()
	}
	if c.Old.Log == c.New.Log && c.Old.Comment == c.New.Comment {
		return "rule " + c.Old.Action + " → " + c.New.String()
	}
	return "rule " + c.Old.String() + " → " + c.New.String()
}

// ufwSetRule applies one command to one family's rules exactly as ufw's
// backend set_rule does (no insert positions): an add replaces every rule
// equal on matchKey (in place) and appends only when there is none; a
// delete removes the first exact match, and, when the command names no
// comment, every rule that differs from it only in the comment.
func ufwSetRule(rules []ufwTuple, r ufwTuple, del bool) ([]ufwTuple, []ufwChange) {
	var out []ufwTuple
	var changes []ufwChange
	found := false
	for _, cur := range rules {
		same := cur.matchKey() == r.matchKey()
		exact := same && cur.Action == r.Action && cur.Log == r.Log && cur.Comment == r.Comment
		onlyComment := same && cur.Action == r.Action && cur.Log == r.Log && !exact
		switch {
		case exact && !found:
			found = true
			if del {
				changes = append(changes, ufwChange{Sign: "-", Old: cur})
			} else {
				out = append(out, r)
			}
		case del && onlyComment && r.Comment == "":
			found = true
			changes = append(changes, ufwChange{Sign: "-", Old: cur})
		case !del && same && !exact:
			found = true
			out = append(out, r)
			changes = append(changes, ufwChange{Sign: "~", Old: cur, New: r})
		default:
			out = append(out, cur)
		}
	}
	if !found && !del {
		out = append(out, r)
		changes = append(changes, ufwChange{Sign: "+", New: r})
	}
	return out, changes
}

// ufwReplay runs the commands on both families' rules (v4 then v6 per
// command, as ufw's frontend does) and returns the rules after them and
// the changes in order.
func ufwReplay(rules []ufwTuple, cmds []ufwCmd) ([]ufwTuple, []ufwChange) {
	fam := [2][]ufwTuple{}
	for _, t := range rules {
		i := 0
		if t.V6 {
			i = 1
		}
		fam[i] = append(fam[i], t)
	}
	var all []ufwChange
	for _, c := range cmds {
		for _, t := range c.Tuples {
			i := 0
			if t.V6 {
				i = 1
			}
			var ch []ufwChange
			fam[i], ch = ufwSetRule(fam[i], t, c.Del)
			all = append(all, ch...)
		}
	}
	return append(fam[0], fam[1]...), all
}
