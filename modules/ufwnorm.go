package modules

import (
	"sort"
	"strconv"
	"strings"
)

// ufwPortForm is a port list as ufw stores it: ufw's normalize() sorts the
// comma list numerically (human_sort), so "443,80" is stored as "80,443"
// and a rule compared in the declared order would be re-added every run.
func ufwPortForm(s string) string {
	if !strings.Contains(s, ",") {
		return s
	}
	parts := strings.Split(s, ",")
	key := func(p string) (int, int) {
		lo, hi, isRange := strings.Cut(p, ":")
		a, _ := strconv.Atoi(lo)
		b := -1 // a single port sorts before a range starting there
		if isRange {
			b, _ = strconv.Atoi(hi)
		}
		return a, b
	}
	sort.SliceStable(parts, func(i, j int) bool {
		ai, bi := key(parts[i])
		aj, bj := key(parts[j])
		if ai != aj {
			return ai < aj
		}
		return bi < bj
	})
	return strings.Join(parts, ",")
}

// ufwLogLevel is the level "ufw logging <want>" leaves when the current
// level is cur: "on" keeps any level but off, which becomes low.
func ufwLogLevel(want, cur string) string {
	if want != "on" {
		return want
	}
	if cur == "off" || cur == "" {
		return "low"
	}
	return cur
}

// ufwStateKey names the firewall among the state plans touch: a later ufw
// task plans against the rules as they are now, not as an earlier ufw
// task leaves them, and says so.
const ufwStateKey = "ufw"

// StateKeys implements Keyed.
func (u *UFW) StateKeys() []string { return []string{ufwStateKey} }
