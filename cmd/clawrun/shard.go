package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/clawrun/clawrun/inventory"
	"github.com/clawrun/clawrun/runner/event"
	"github.com/clawrun/clawrun/runner/output"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

const shardUsage = "run only shard K of N (1-based; a host's shard is FNV-1a-64 of its name mod N, plus 1)"

func addShardFlag(fs *pflag.FlagSet, f *flags) {
	fs.StringVar(&f.shard, "shard", "", shardUsage)
}

// shardHosts narrows hosts selected by hosts/--limit to --shard K/N.
func shardHosts(f *flags, hosts []*inventory.Host) ([]*inventory.Host, error) {
	s, err := inventory.ParseShard(f.shard)
	if err != nil {
		return nil, err
	}
	return s.Filter(hosts), nil
}

// onlyHosts narrows hosts to a saved shard plan's exact host list: names
// compared with host names only (never groups or "all"), so that `apply
// PLANFILE` runs exactly the hosts the shard planned. nil: no narrowing.
func onlyHosts(hosts []*inventory.Host, only []string) ([]*inventory.Host, error) {
	if only == nil {
		return hosts, nil
	}
	byName := map[string]*inventory.Host{}
	for _, h := range hosts {
		byName[h.Name] = h
	}
	out := make([]*inventory.Host, 0, len(only))
	for _, n := range only {
		h := byName[n]
		if h == nil {
			return nil, fmt.Errorf("the plan was made for host %q, which the playbook's hosts and the plan's --limit no longer select: plan again", n)
		}
		out = append(out, h)
	}
	return out, nil
}

// shardLabel is what the markdown header shows as the limit.
func shardLabel(f *flags) string {
	switch {
	case f.shard == "":
		return f.limit
	case f.limit == "":
		return "shard " + f.shard
	}
	return f.limit + ", shard " + f.shard
}

// maxMergeInput bounds each file merge-plans reads.
const maxMergeInput = 256 << 20

func mergePlansCommand() *cobra.Command {
	var format, invPath string
	c := &cobra.Command{
		Use:   "merge-plans FILE.json... [-i INVENTORY]",
		Short: "Merge the JSON outputs of several runs (e.g. --shard jobs) into one review",
		Long: "merge-plans reads the --format json output of plan (or apply) runs, e.g. one per --shard,\n" +
			"and prints them as one run: markdown (default) as `--format markdown` would for all\n" +
			"hosts at once, or json (one run_start, every event, one run_done). Hosts are in the\n" +
			"inventory's order with -i, else sorted by name. With -i, hosts the runs selected\n" +
			"(the playbook's hosts and --limit) that no file names are reported as missing.\n" +
			"Exit code: 3 if hosts are missing, else 1 if any host failed or was unreachable, else 0.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if format != "markdown" && format != "json" {
				return fmt.Errorf("unknown --format %q for merge-plans (markdown, json)", format)
			}
			m, err := mergeEvents(c.ErrOrStderr(), args)
			if err != nil {
				return err
			}
			var missing []string
			var order []*inventory.Host
			if invPath != "" {
				inv, diags := inventory.Load(invPath)
				printDiags(c.ErrOrStderr(), diags, false)
				if diags.HasErrors() {
					return exitError{1}
				}
				order = inv.Hosts
				if missing, err = missingHosts(inv, m.start); err != nil {
					return err
				}
			}
			orderHosts(m.start.Hosts, order)
			limit := fmt.Sprintf("merged from %d files", m.files)
			if m.start.Limit != "" {
				limit = m.start.Limit + ", " + limit
			}
			r, err := output.New(format, output.Config{W: c.OutOrStdout(), Playbook: m.start.Playbook, Inventory: invPath,
				Limit: limit, Commit: m.start.Commit, Missing: missing})
			if err != nil {
				return err
			}
			for _, e := range m.events {
				if e.Type == event.RunDone && len(missing) > 0 {
					r.Event(&event.Event{Type: event.Notice, Time: e.Time, Message: missingSentence(missing)})
				}
				r.Event(e)
			}
			if err := r.Close(); err != nil {
				return err
			}
			switch {
			case len(missing) > 0:
				fmt.Fprintf(c.ErrOrStderr(), "clawrun: %s: merge the output of every shard\n", missingSentence(missing))
				return exitError{3}
			case m.failed:
				return exitError{1}
			}
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "markdown", "markdown or json")
	c.Flags().StringVarP(&invPath, "inventory", "i", "", "inventory whose host order the output follows, and whose selected hosts must all be covered")
	return c
}

func missingSentence(missing []string) string {
	return "missing: " + strings.Join(missing, ", ") + " (no shard output names them)"
}

// missingHosts returns the inventory's hosts that the runs selected (the
// playbook's hosts, narrowed by the recorded --limit) and no file names,
// in inventory order.
func missingHosts(inv *inventory.Inventory, start *event.Event) ([]string, error) {
	targets := start.Targets
	if len(targets) == 0 {
		targets = []string{"all"}
	}
	want, err := inv.Select(targets, start.Limit)
	if err != nil {
		return nil, fmt.Errorf("merge-plans -i %s: %w: pass the inventory the runs used", inv.File, err)
	}
	have := map[string]bool{}
	for _, h := range start.Hosts {
		have[h] = true
	}
	var missing []string
	for _, h := range want {
		if !have[h.Name] {
			missing = append(missing, h.Name)
		}
	}
	return missing, nil
}

// orderHosts sorts names in inventory order (names it lacks last), or by
// name without an inventory.
func orderHosts(names []string, inv []*inventory.Host) {
	if inv == nil {
		sort.Strings(names)
		return
	}
	at := map[string]int{}
	for i, h := range inv {
		at[h.Name] = i
	}
	pos := func(n string) int {
		if i, ok := at[n]; ok {
			return i
		}
		return len(inv)
	}
	sort.SliceStable(names, func(i, j int) bool { return pos(names[i]) < pos(names[j]) })
}

// merged is the one run merge-plans prints.
type merged struct {
	start  *event.Event
	events []*event.Event // run_start, task events in file order, run_done
	files  int            // non-empty files merged
	failed bool           // a host failed or was unreachable
}

// mergeEvents reads NDJSON event files and returns one run: a run_start
// naming every host, the task events in file order, and a run_done whose
// recap holds every host. Empty files (a shard with no hosts) are skipped
// with a note on w. Runs of different modes, playbooks, commits, task
// lists or limits, and a host in two files, are refused.
func mergeEvents(w io.Writer, paths []string) (*merged, error) {
	start := &event.Event{Type: event.RunStart}
	done := &event.Event{Type: event.RunDone, Recap: map[string]*event.Recap{}}
	var body []*event.Event
	seen := map[string]string{}
	first, files := "", 0
	for _, p := range paths {
		evs, err := readEvents(p)
		if err != nil {
			return nil, err
		}
		if len(evs) == 0 {
			fmt.Fprintf(w, "clawrun: %s is empty (a shard with no hosts prints nothing): skipped\n", p)
			continue
		}
		var s, d *event.Event
		for _, e := range evs {
			switch e.Type {
			case event.RunStart:
				s = e
			case event.RunDone:
				d = e
			default:
				body = append(body, e)
			}
		}
		if s == nil || d == nil {
			return nil, fmt.Errorf("%s: no run_start or run_done event: pass the complete output of a run with --format json", p)
		}
		if first == "" {
			first = p
			start.Mode, start.Playbook, start.Time = s.Mode, s.Playbook, s.Time
			start.Commit, start.TasksDigest, start.Targets, start.Limit = s.Commit, s.TasksDigest, s.Targets, s.Limit
		} else if err := sameRun(start, s, first, p); err != nil {
			return nil, err
		}
		files++
		for _, h := range s.Hosts {
			if prev, dup := seen[h]; dup {
				return nil, fmt.Errorf("host %s is in %s and in %s: shards must not overlap", h, prev, p)
			}
			seen[h] = p
			start.Hosts = append(start.Hosts, h)
		}
		for h, rc := range d.Recap {
			done.Recap[h] = rc
		}
		done.Mode, done.Time = d.Mode, d.Time
		done.DurationMS = max(done.DurationMS, d.DurationMS)
	}
	if files == 0 {
		return nil, fmt.Errorf("every file is empty: pass the --format json output of at least one run with hosts")
	}
	m := &merged{start: start, events: append(append([]*event.Event{start}, body...), done), files: files}
	for _, rc := range done.Recap {
		if rc != nil && (rc.Failed > 0 || rc.Unreachable > 0) {
			m.failed = true
		}
	}
	return m, nil
}

// sameRun refuses to merge s (of file p) into the run of the first file.
func sameRun(start, s *event.Event, first, p string) error {
	switch {
	case s.Mode != start.Mode || s.Playbook != start.Playbook:
		return fmt.Errorf("%s is a %s of %s, %s a %s of %s: merge runs of one playbook and mode", p, s.Mode, s.Playbook, first, start.Mode, start.Playbook)
	case s.Commit != start.Commit:
		return fmt.Errorf("%s ran commit %q, %s commit %q: merge runs of one commit", p, s.Commit, first, start.Commit)
	case s.TasksDigest != start.TasksDigest:
		return fmt.Errorf("%s ran a different task list of %s than %s: merge runs of one playbook version", p, s.Playbook, first)
	case s.Limit != start.Limit || strings.Join(s.Targets, ",") != strings.Join(start.Targets, ","):
		return fmt.Errorf("%s selected hosts with --limit %q, %s with --limit %q: merge runs of one --limit", p, s.Limit, first, start.Limit)
	}
	return nil
}

func readEvents(path string) ([]*event.Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, maxMergeInput))
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	var out []*event.Event
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var e event.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: not a clawrun JSON event (%v): pass the output of --format json", path, n, err)
		}
		out = append(out, &e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}
