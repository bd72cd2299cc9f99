package output

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/clawrun/clawrun/runner/event"
	"golang.org/x/term"
)

// TextRenderer prints a line per task per host as it finishes, diffs
// indented under it, and a recap.
type TextRenderer struct {
	W     io.Writer
	Color bool
	// Diffs prints diffs of changed tasks (always in plan, --diff in apply).
	Diffs bool
	// Verbose prints ok and skipped tasks too.
	Verbose bool
	// Stats prints per-host connection counters with the recap.
	Stats bool
	// Progress, when set, receives a live status line (a TTY).
	Progress io.Writer
	width    int
	mode     string
	total    int
	done     int
	failed   int
	started  time.Time
	hosts    []string // the run's hosts, in order
	// running is the task each host is on, for the progress line.
	running map[string]string
	// held are plan's changes, printed at the end with identical ones
	// of several hosts grouped.
	held []*event.Event
	// caveated are the hosts whose package-install caveat was printed.
	caveated map[string]bool
}

// TaskStarted records the task a host is on (the progress line names it).
func (t *TextRenderer) TaskStarted(host, task string) {
	if t.running == nil {
		t.running = map[string]string{}
	}
	t.running[host] = task
	if t.Progress != nil {
		t.clearProgress()
		t.showProgress()
	}
}

const (
	cReset  = "\033[0m"
	cRed    = "\033[31m"
	cGreen  = "\033[32m"
	cYellow = "\033[33m"
	cCyan   = "\033[36m"
	cDim    = "\033[2m"
	cBold   = "\033[1m"
)

func (t *TextRenderer) c(color, s string) string {
	if !t.Color {
		return s
	}
	return color + s + cReset
}

func signColor(sign string) string {
	switch sign {
	case "+":
		return cGreen
	case "-":
		return cRed
	case "!":
		return cCyan
	}
	return cYellow
}

// Event prints one event.
func (t *TextRenderer) Event(e *event.Event) {
	t.clearProgress()
	defer t.showProgress()
	switch e.Type {
	case event.RunStart:
		t.mode, t.total, t.started, t.hosts = e.Mode, len(e.Hosts), time.Now(), e.Hosts
		for _, h := range e.Hosts {
			t.width = max(t.width, len(h))
		}
		return
	case event.HostDone:
		delete(t.running, e.Host)
		t.done++
		if e.Status == event.StatusFailed || e.Status == event.StatusUnreachable {
			t.failed++
		}
		return
	case event.RunDone:
		t.flushHeld()
		t.recap(e)
		return
	case event.Retry:
		// Always shown: a failed attempt may have changed the host.
		msg := indentRest(termSafe(e.Error), t.width+4)
		if !t.Verbose {
			msg, _, _ = strings.Cut(termSafe(e.Error), "\n")
		}
		fmt.Fprintf(t.W, "%-*s  %s %s: %s: %s\n", t.width, e.Host, t.c(cYellow, "↻"), e.Task, e.Message, msg)
		return
	case event.Notice:
		fmt.Fprintf(t.W, "%-*s  %s %s: %s\n", t.width, e.Host, t.c(cCyan, "…"), e.Task, termSafe(e.Message))
		return
	}
	if t.mode == "plan" && e.Status == event.StatusChanged {
		t.held = append(t.held, e)
		return
	}
	t.print(e, e.Host, []string{e.Host})
}

// print writes one task event under label (a host, or the hosts sharing
// it).
func (t *TextRenderer) print(e *event.Event, label string, hosts []string) {
	host := fmt.Sprintf("%-*s", t.width, label)
	switch e.Status {
	case event.StatusFailed, event.StatusUnreachable:
		label := "FAILED"
		if e.Status == event.StatusUnreachable {
			label = "UNREACHABLE"
		}
		if e.Ignored {
			label += " (ignored)"
		}
		fmt.Fprintf(t.W, "%s  %s %s: %s\n", host, t.c(cRed+cBold, "x "+label), e.Task, indentRest(termSafe(e.Error), t.width+4))
		if t.Verbose && e.Output != "" {
			t.output(e.Output)
		}
	case event.StatusNotChecked:
		fmt.Fprintf(t.W, "%s  %s %s: %s\n", host, t.c(cYellow, "?"), e.Task, termSafe(e.Message))
	case event.StatusOK, event.StatusSkipped:
		if t.Verbose {
			fmt.Fprintf(t.W, "%s  %s\n", host, t.c(cDim, "  "+e.Task+" ("+e.Status+")"))
		}
	case event.StatusChanged:
		sign := "~"
		if e.Type == event.Handler {
			sign = "!"
		} else if len(e.Changes) > 0 {
			sign = e.Changes[0].Sign
			for _, l := range e.Changes[1:] {
				if l.Sign != sign {
					sign = "~"
				}
			}
		}
		verb := ""
		if e.Type == event.Handler && t.mode == "plan" {
			verb = " (may run)"
		}
		fmt.Fprintf(t.W, "%s  %s %s%s\n", host, t.c(signColor(sign), sign), t.c(cBold, e.Task), verb)
		for _, l := range e.Changes {
			if e.Type == event.Handler && l.Sign == "!" {
				continue
			}
			text := l.Text
			if t.mode == "apply" {
				text = strings.TrimPrefix(text, "would ")
			}
			fmt.Fprintf(t.W, "%s      %s %s\n", strings.Repeat(" ", t.width), t.c(signColor(l.Sign), l.Sign), termSafe(text))
		}
		if t.Diffs && e.Diff != "" {
			t.diff(e.Diff)
		}
		if t.Verbose && e.Output != "" {
			t.output(e.Output)
		}
		if e.Caveat != "" && t.newCaveat(hosts) {
			fmt.Fprintf(t.W, "%s      %s\n", strings.Repeat(" ", t.width), t.c(cDim, "? "+e.Caveat+": apply re-probes this and later tasks and may find some of it done"))
		}
	}
}

// output prints a command task's output under it, marked with "|".
func (t *TextRenderer) output(o string) {
	pad := strings.Repeat(" ", t.width+6)
	for _, l := range strings.Split(strings.TrimRight(o, "\n"), "\n") {
		fmt.Fprintf(t.W, "%s%s %s\n", pad, t.c(cDim, "|"), termSafe(l))
	}
}

// newCaveat reports whether any of hosts has not had its package-install
// caveat printed yet, and marks them: once per host, not per task.
func (t *TextRenderer) newCaveat(hosts []string) bool {
	if t.caveated == nil {
		t.caveated = map[string]bool{}
	}
	fresh := false
	for _, h := range hosts {
		if !t.caveated[h] {
			t.caveated[h], fresh = true, true
		}
	}
	return fresh
}

// flushHeld prints plan's changes, each distinct one once, under the
// hosts it applies to ("3 hosts: h1, h2, h3"), in order of first sight.
func (t *TextRenderer) flushHeld() {
	type group struct {
		e     *event.Event
		hosts []string
	}
	var groups []*group
	byKey := map[string]*group{}
	// Hosts in the run's order, each host's tasks in play order: the
	// grouped output does not depend on which host finished first.
	order := map[string]int{}
	for i, h := range t.hosts {
		order[h] = i
	}
	sort.SliceStable(t.held, func(i, j int) bool { return order[t.held[i].Host] < order[t.held[j].Host] })
	for _, e := range t.held {
		var k strings.Builder
		fmt.Fprintf(&k, "%s\x00%s\x00%s\x00%s\x00%s", e.Type, e.Task, e.Diff, e.Caveat, e.Output)
		for _, c := range e.Changes {
			fmt.Fprintf(&k, "\x00%s %s", c.Sign, c.Text)
		}
		g := byKey[k.String()]
		if g == nil {
			g = &group{e: e}
			byKey[k.String()] = g
			groups = append(groups, g)
		}
		g.hosts = append(g.hosts, e.Host)
	}
	// Groups in play order: a change of only some hosts is printed at its
	// task's place, not after everything the first host changed.
	var seqs [][]string
	for i, e := range t.held {
		if i == 0 || e.Host != t.held[i-1].Host {
			seqs = append(seqs, nil)
		}
		seqs[len(seqs)-1] = append(seqs[len(seqs)-1], string(e.Type)+"\x00"+e.Task)
	}
	rank := playOrder(seqs)
	sort.SliceStable(groups, func(i, j int) bool {
		return rank[string(groups[i].e.Type)+"\x00"+groups[i].e.Task] < rank[string(groups[j].e.Type)+"\x00"+groups[j].e.Task]
	})
	for _, g := range groups {
		label := g.hosts[0]
		if len(g.hosts) > 1 {
			label = fmt.Sprintf("%d hosts: %s", len(g.hosts), strings.Join(g.hosts, ", "))
		}
		t.print(g.e, label, g.hosts)
	}
	t.held = nil
}

func indentRest(s string, n int) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+strings.Repeat(" ", n))
}

func (t *TextRenderer) diff(d string) {
	pad := strings.Repeat(" ", t.width+8)
	for _, l := range strings.Split(strings.TrimRight(termSafe(d), "\n"), "\n") {
		color := ""
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
			color = cBold
		case strings.HasPrefix(l, "+"):
			color = cGreen
		case strings.HasPrefix(l, "-"):
			color = cRed
		case strings.HasPrefix(l, "@@"):
			color = cCyan
		}
		if color != "" {
			l = t.c(color, l)
		}
		fmt.Fprintf(t.W, "%s%s\n", pad, l)
	}
}

func (t *TextRenderer) recap(e *event.Event) {
	fmt.Fprintln(t.W)
	for _, h := range sortedHosts(e.Recap) {
		r := e.Recap[h]
		changed := "changed"
		if t.mode == "plan" {
			changed = "to_change"
		}
		line := fmt.Sprintf("%-*s  ok=%d %s=%d failed=%d skipped=%d unreachable=%d ignored=%d", t.width, h, r.OK, changed, r.Changed, r.Failed, r.Skipped, r.Unreachable, r.Ignored)
		if r.NotChecked > 0 {
			line += fmt.Sprintf(" not_checked=%d", r.NotChecked)
		}
		switch {
		case r.Failed > 0 || r.Unreachable > 0:
			line = t.c(cRed, line)
		case r.Changed > 0:
			line = t.c(cYellow, line)
		default:
			line = t.c(cGreen, line)
		}
		fmt.Fprintln(t.W, line)
		if t.Stats && r.Stats != nil {
			s := r.Stats
			fmt.Fprintf(t.W, "%-*s  handshakes=%d sessions=%d round_trips=%d bytes_up=%d bytes_down=%d processes=%d connect_retries=%d\n", t.width, "", s.Handshakes, s.Sessions, s.RoundTrips, s.BytesUp, s.BytesDown, s.Processes, s.ConnectRetries)
		}
	}
}

func (t *TextRenderer) clearProgress() {
	if t.Progress != nil && t.total > 0 {
		fmt.Fprint(t.Progress, "\r\033[K")
	}
}

func (t *TextRenderer) showProgress() {
	if t.Progress == nil || t.total == 0 || t.done >= t.total {
		return
	}
	line := fmt.Sprintf("%s: %d/%d hosts done, %d running, %d failed, %s",
		t.mode, t.done, t.total, t.total-t.done, t.failed, time.Since(t.started).Round(time.Second))
	// Which task the running hosts are on: the first few, by name.
	var on []string
	for h, task := range t.running {
		on = append(on, h+": "+task)
	}
	sort.Strings(on)
	if len(on) > 3 {
		on = append(on[:3], fmt.Sprintf("+%d", len(on)-3))
	}
	if len(on) > 0 {
		line += " (" + strings.Join(on, ", ") + ")"
	}
	if w := t.progressWidth(); w > 0 && len(line) >= w {
		line = line[:w-2] + "…"
	}
	fmt.Fprint(t.Progress, line)
}

// progressWidth is the terminal's width, 0 when unknown.
func (t *TextRenderer) progressWidth() int {
	if f, ok := t.Progress.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil {
			return w
		}
	}
	return 0
}

// Close prints what plan still holds (a run cut short has no run_done).
func (t *TextRenderer) Close() error {
	t.flushHeld()
	return nil
}
