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

// shardLimit is the limit a saved plan of a shard records: the names of
// its hosts, so that `apply PLANFILE` runs exactly those.
func shardLimit(f *flags, hosts []*inventory.Host) (string, error) {
	if f.shard == "" {
		return f.limit, nil
	}
	names := make([]string, len(hosts))
	for i, h := range hosts {
		if strings.ContainsAny(h.Name, ", ") || strings.HasPrefix(h.Name, "!") {
			return "", fmt.Errorf("--shard with --out: host name %q cannot be recorded as a --limit entry; plan without --out, or rename the host", h.Name)
		}
		names[i] = h.Name
	}
	return strings.Join(names, ","), nil
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
			"inventory's order with -i, else sorted by name.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if format != "markdown" && format != "json" {
				return fmt.Errorf("unknown --format %q for merge-plans (markdown, json)", format)
			}
			events, err := mergeEvents(args)
			if err != nil {
				return err
			}
			var order []*inventory.Host
			if invPath != "" {
				inv, diags := inventory.Load(invPath)
				printDiags(c.ErrOrStderr(), diags, false)
				if diags.HasErrors() {
					return exitError{1}
				}
				order = inv.Hosts
			}
			orderHosts(events[0].Hosts, order)
			r, err := output.New(format, output.Config{W: c.OutOrStdout(), Playbook: events[0].Playbook, Inventory: invPath,
				Limit: fmt.Sprintf("merged from %d files", len(args))})
			if err != nil {
				return err
			}
			for _, e := range events {
				r.Event(e)
			}
			return r.Close()
		},
	}
	c.Flags().StringVar(&format, "format", "markdown", "markdown or json")
	c.Flags().StringVarP(&invPath, "inventory", "i", "", "inventory whose host order the output follows")
	return c
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

// mergeEvents reads NDJSON event files and returns one run: a run_start
// naming every host, the task events in file order, and a run_done whose
// recap holds every host. Runs of different modes or playbooks, and a host
// in two files, are refused.
func mergeEvents(paths []string) ([]*event.Event, error) {
	start := &event.Event{Type: event.RunStart}
	done := &event.Event{Type: event.RunDone, Recap: map[string]*event.Recap{}}
	var body []*event.Event
	seen := map[string]string{}
	for _, p := range paths {
		evs, err := readEvents(p)
		if err != nil {
			return nil, err
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
		if start.Mode == "" {
			start.Mode, start.Playbook, start.Time = s.Mode, s.Playbook, s.Time
		} else if s.Mode != start.Mode || s.Playbook != start.Playbook {
			return nil, fmt.Errorf("%s is a %s of %s, the first file a %s of %s: merge runs of one playbook and mode", p, s.Mode, s.Playbook, start.Mode, start.Playbook)
		}
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
	return append(append([]*event.Event{start}, body...), done), nil
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
