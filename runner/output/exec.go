package output

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/clawrun/clawrun/runner/event"
)

// RenderExecText prints each distinct outcome once, under the hosts that
// share it ("h1, h2 (2 hosts): exit 0"), in the order of the first host.
func RenderExecText(w io.Writer, results []event.ExecResult) {
	type group struct {
		hosts []string
		r     event.ExecResult
	}
	var groups []*group
	index := map[string]*group{}
	for _, r := range results {
		key := fmt.Sprintf("%d\x00%s\x00%s\x00%s", r.ExitCode, r.Error, r.Stdout, r.Stderr)
		g := index[key]
		if g == nil {
			g = &group{r: r}
			index[key] = g
			groups = append(groups, g)
		}
		g.hosts = append(g.hosts, r.Host)
	}
	for i, g := range groups {
		if i > 0 {
			fmt.Fprintln(w)
		}
		who := strings.Join(g.hosts, ", ")
		if len(g.hosts) > 1 {
			who += fmt.Sprintf(" (%d hosts)", len(g.hosts))
		}
		switch {
		case g.r.Error != "":
			fmt.Fprintf(w, "== %s: UNREACHABLE: %s\n", who, termSafe(g.r.Error))
			continue
		case g.r.ExitCode != 0:
			fmt.Fprintf(w, "== %s: FAILED, exit %d\n", who, g.r.ExitCode)
		default:
			fmt.Fprintf(w, "== %s: exit 0\n", who)
		}
		writeIndented(w, g.r.Stdout, "  ")
		if g.r.Stderr != "" {
			writeIndented(w, g.r.Stderr, "  stderr: ")
		}
	}
	failed := 0
	for _, r := range results {
		if r.Failed() {
			failed++
		}
	}
	fmt.Fprintf(w, "\n%s, %d failed\n", Plural(len(results), "host"), failed)
}

// RenderExecJSON prints one "exec" event per host, then "exec_done".
func RenderExecJSON(w io.Writer, results []event.ExecResult) {
	enc := json.NewEncoder(w)
	failed := 0
	now := time.Now().UTC()
	for _, r := range results {
		if r.Failed() {
			failed++
		}
		enc.Encode(struct {
			Type string    `json:"type"`
			Time time.Time `json:"time"`
			event.ExecResult
		}{"exec", now, r})
	}
	hosts := make([]string, len(results))
	for i, r := range results {
		hosts[i] = r.Host
	}
	sort.Strings(hosts)
	enc.Encode(map[string]any{"type": "exec_done", "time": now, "hosts": hosts, "failed": failed})
}

func writeIndented(w io.Writer, s, prefix string) {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return
	}
	for _, l := range strings.Split(s, "\n") {
		fmt.Fprintf(w, "%s%s\n", prefix, termSafe(l))
	}
}

// Plural is "1 host", "2 hosts".
func Plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
