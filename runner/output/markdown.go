package output

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/clawrun/clawrun/runner/event"
)

// MarkdownRenderer collects a run and prints a summary for a pull-request
// comment: a table of hosts, then each distinct change once with the hosts
// it applies to, diffs folded in <details>.
type MarkdownRenderer struct {
	W io.Writer
	// Header facts, printed when set.
	Playbook, Inventory, Limit, Commit string
	// Missing names selected hosts no merged file covers (merge-plans).
	Missing []string
	// MaxChars bounds the output (GitHub comments hold 65,536); diffs are
	// truncated to fit, and the summary says so.
	MaxChars int

	mode   string
	hosts  []string
	events []*event.Event
	done   *event.Event
}

// Event collects; nothing is printed before Close.
func (m *MarkdownRenderer) Event(e *event.Event) {
	switch e.Type {
	case event.RunStart:
		m.mode, m.hosts = e.Mode, e.Hosts
	case event.Task, event.Handler:
		m.events = append(m.events, e)
	case event.RunDone:
		m.done = e
	}
}

// hostCounts is one row of the hosts table.
type hostCounts struct{ add, change, remove, unchanged, failed, ignored int }

func kind(e *event.Event) string {
	if e.Type == event.Handler {
		return "handler"
	}
	add, del := 0, 0
	for _, l := range e.Changes {
		switch l.Sign {
		case "+":
			add++
		case "-":
			del++
		}
	}
	switch {
	case len(e.Changes) > 0 && add == len(e.Changes):
		return "add"
	case len(e.Changes) > 0 && del == len(e.Changes):
		return "remove"
	}
	return "change"
}

// group is one distinct change and the hosts it applies to.
type group struct {
	task, kind, lines, diff, caveat, errText string
	failed                                   bool
	hosts                                    []string
	at                                       string // play-order key (playOrder)
}

// Close renders everything.
func (m *MarkdownRenderer) Close() error {
	limit := m.MaxChars
	if limit <= 0 {
		limit = 65000
	}
	out := m.render(-1)
	for _, max := range []int{4000, 1500, 400, 0} {
		if len(out) <= limit {
			break
		}
		out = m.render(max)
	}
	if len(out) > limit {
		out = out[:limit-200] + "\n\n… output truncated to fit a comment; run `clawrun plan` for the rest.\n"
	}
	_, err := io.WriteString(m.W, out)
	return err
}

// render prints the summary; diffs longer than maxDiff characters are cut
// (-1: no limit).
func (m *MarkdownRenderer) render(maxDiff int) string {
	var b strings.Builder
	title := "clawrun plan"
	if m.mode == "apply" {
		title = "clawrun apply"
	}
	fmt.Fprintf(&b, "## %s\n\n", title)
	var facts []string
	for _, f := range [][2]string{{"Playbook", m.Playbook}, {"Inventory", m.Inventory}, {"Limit", m.Limit}, {"Commit", m.Commit}} {
		if f[1] != "" {
			facts = append(facts, fmt.Sprintf("**%s** %s", f[0], codeSpan(f[1])))
		}
	}
	if len(facts) > 0 {
		b.WriteString(strings.Join(facts, " · ") + "\n\n")
	}
	if len(m.Missing) > 0 {
		names := make([]string, len(m.Missing))
		for i, h := range m.Missing {
			names[i] = mdText(h)
		}
		fmt.Fprintf(&b, "> [!WARNING]\n> **missing: %s** (no shard output names them): this review does not cover them.\n\n", strings.Join(names, ", "))
	}
	counts, groups := m.group()
	b.WriteString("| host | add | change | remove | unchanged | failed | ignored |\n|---|--:|--:|--:|--:|--:|--:|\n")
	names := make([]string, 0, len(counts))
	for h := range counts {
		names = append(names, h)
	}
	sort.Strings(names)
	for _, h := range names {
		c := counts[h]
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d |\n", mdText(h), c.add, c.change, c.remove, c.unchanged, c.failed, c.ignored)
	}
	if len(groups) == 0 {
		b.WriteString("\nNo changes: every host is as declared.\n")
		return b.String()
	}
	b.WriteString("\n### Changes\n")
	truncated := false
	for _, g := range groups {
		truncated = m.writeGroup(&b, g, maxDiff) || truncated
	}
	if truncated {
		b.WriteString("\n_Diffs were truncated to fit a comment; `clawrun plan` shows them whole._\n")
	}
	return b.String()
}

// group counts each host's outcomes and groups the distinct changes with
// the hosts they apply to, in play order.
func (m *MarkdownRenderer) group() (map[string]*hostCounts, []*group) {
	counts := map[string]*hostCounts{}
	for _, h := range m.hosts {
		counts[h] = &hostCounts{}
	}
	var groups []*group
	index := map[string]*group{}
	// Hosts in the run's order, each host's events in play order (as in
	// the text plan), whichever host finished first.
	hostAt := map[string]int{}
	for i, h := range m.hosts {
		hostAt[h] = i
	}
	events := slices.Clone(m.events)
	sort.SliceStable(events, func(i, j int) bool { return hostAt[events[i].Host] < hostAt[events[j].Host] })
	var seqs [][]string
	for i, e := range events {
		if i == 0 || e.Host != events[i-1].Host {
			seqs = append(seqs, nil)
		}
		seqs[len(seqs)-1] = append(seqs[len(seqs)-1], string(e.Type)+"\x00"+e.Task)
	}
	for _, e := range events {
		c := counts[e.Host]
		if c == nil {
			c = &hostCounts{}
			counts[e.Host] = c
		}
		g, ok := c.count(e)
		if !ok {
			continue
		}
		key := strings.Join([]string{g.task, g.kind, g.lines, g.diff, g.caveat, g.errText}, "\x00")
		if prev, ok := index[key]; ok {
			prev.hosts = append(prev.hosts, e.Host)
			continue
		}
		g.hosts, g.at = []string{e.Host}, string(e.Type)+"\x00"+e.Task
		index[key] = g
		groups = append(groups, g)
	}
	rank := playOrder(seqs)
	sort.SliceStable(groups, func(i, j int) bool { return rank[groups[i].at] < rank[groups[j].at] })
	// Unchanged, failed and ignored are the engine's recap, counted once.
	if m.done != nil {
		for h, c := range counts {
			if r := m.done.Recap[h]; r != nil {
				c.unchanged, c.failed, c.ignored = r.OK+r.Skipped, r.Failed+r.Unreachable, r.Ignored
			}
		}
	}
	return counts, groups
}

// count adds a change of e to the host's row (add, change or remove: the
// recap has the rest) and returns the change it shows (ok false: nothing
// to show, the task was unchanged or skipped).
func (c *hostCounts) count(e *event.Event) (g *group, ok bool) {
	switch e.Status {
	case event.StatusOK, event.StatusSkipped:
		return nil, false
	case event.StatusFailed, event.StatusUnreachable:
		kind := e.Status
		if e.Ignored {
			kind += ", ignored"
		}
		return &group{task: e.Task, failed: true, errText: e.Error, kind: kind}, true
	case event.StatusNotChecked:
		return &group{task: e.Task, kind: "not checked", errText: e.Message}, true
	}
	k := kind(e)
	switch k {
	case "add":
		c.add++
	case "remove":
		c.remove++
	case "handler":
	default:
		c.change++
	}
	var lines strings.Builder
	for _, l := range e.Changes {
		fmt.Fprintf(&lines, "%s %s\n", l.Sign, l.Text)
	}
	return &group{task: e.Task, kind: k, lines: lines.String(), diff: e.Diff, caveat: e.Caveat}, true
}

// writeGroup prints one distinct change; it reports whether it cut the
// diff.
func (m *MarkdownRenderer) writeGroup(b *strings.Builder, g *group, maxDiff int) (truncated bool) {
	names := make([]string, len(g.hosts))
	for i, h := range g.hosts {
		names[i] = mdText(h)
	}
	hosts := strings.Join(names, ", ")
	if len(g.hosts) == len(m.hosts) && len(m.hosts) > 1 {
		hosts = fmt.Sprintf("all %d hosts", len(m.hosts))
	}
	switch {
	case g.failed:
		e := termSafe(strings.TrimSpace(g.errText))
		fmt.Fprintf(b, "\n#### ❌ %s — %s (%s)\n\n%s\n%s\n%s\n", codeSpan(g.task), g.kind, hosts, fence(e), e, fence(e))
		return false
	case g.kind == "not checked":
		fmt.Fprintf(b, "\n#### ? %s — not checked (%s)\n\n%s\n", codeSpan(g.task), hosts, mdText(g.errText))
		return false
	case g.kind == "handler":
		verb := "runs"
		if m.mode == "plan" {
			verb = "may run"
		}
		fmt.Fprintf(b, "\n#### %s %s — %s\n", codeSpan(g.task), verb, hosts)
		return false
	}
	sign := map[string]string{"add": "+", "remove": "-", "change": "~"}[g.kind]
	lines := termSafe(g.lines)
	fmt.Fprintf(b, "\n#### %s %s — %s\n\n", sign, codeSpan(g.task), hosts)
	b.WriteString(fence(lines) + "\n" + lines + fence(lines) + "\n")
	if g.caveat != "" {
		fmt.Fprintf(b, "\n> %s: apply re-probes and may find some of this done.\n", mdText(g.caveat))
	}
	if g.diff != "" {
		d := termSafe(g.diff)
		if maxDiff >= 0 && len(d) > maxDiff {
			d = d[:maxDiff] + "\n… (diff truncated)\n"
			truncated = true
		}
		fmt.Fprintf(b, "\n<details><summary>diff</summary>\n\n%sdiff\n%s\n%s\n</details>\n", fence(d), strings.TrimRight(d, "\n"), fence(d))
	}
	return truncated
}
