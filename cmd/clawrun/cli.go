package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/clawrun/clawrun/inventory"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner"
	"github.com/clawrun/clawrun/runner/event"
	"github.com/clawrun/clawrun/runner/output"
	"github.com/clawrun/clawrun/runner/planfile"
	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"
	"golang.org/x/term"
)

// version, commit and buildDate may be set at build time with -ldflags
// "-X main.version=..." (make release does); otherwise they come from the
// build info the go command records (module version, VCS stamp).
var (
	version   = "dev"
	commit    = ""
	buildDate = ""
)

// exitError carries an exit code through cobra.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

type flags struct {
	inventory string
	limit     string
	shard     string // --shard K/N
	// onlyHosts is a saved shard plan's exact host list (apply PLANFILE).
	onlyHosts         []string
	tags, skipTags    []string
	vars, varFiles    []string
	forks             int
	diff              bool
	format            string
	out               string
	detailedExitcode  bool
	acceptNewHostKeys bool
	color             string
	verbose           bool
	forceHandlers     bool
	noExec            bool
	stats             bool
	check             bool
	askBecomePass     bool
	fixed             map[string]cty.Value // apply PLANFILE: the plan's variables
}

func run(args []string) int {
	var f flags
	root := &cobra.Command{
		Use:           "clawrun",
		Short:         "Push configuration to Linux hosts over SSH; plan shows exactly what apply changes.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	plan := &cobra.Command{
		Use:   "plan PLAYBOOK -i INVENTORY",
		Short: "Show what apply would change (read-only)",
		Args:  cobra.ExactArgs(1),
		RunE:  func(c *cobra.Command, a []string) error { return doRun(c, a[0], &f, false) },
	}
	addRunFlags(plan, &f)
	plan.Flags().BoolVar(&f.diff, "diff", true, "print full diffs (always on for plan)")
	plan.Flags().BoolVar(&f.detailedExitcode, "detailed-exitcode", false, "exit 2 when changes are pending")
	plan.Flags().StringVar(&f.out, "out", "", "save the plan for `apply FILE`")
	plan.Flags().BoolVar(&f.noExec, "no-exec", false, "run no command the playbook wrote (command's unless): such tasks show as not checked")
	apply := &cobra.Command{
		Use:   "apply PLAYBOOK -i INVENTORY | apply PLANFILE",
		Short: "Make hosts match the playbook",
		Args:  cobra.ExactArgs(1),
		RunE:  func(c *cobra.Command, a []string) error { return doRun(c, a[0], &f, true) },
	}
	addRunFlags(apply, &f)
	apply.Flags().BoolVar(&f.diff, "diff", false, "print full diffs of what changed")
	validate := &cobra.Command{
		Use:   "validate PLAYBOOK... [-i INVENTORY]",
		Short: "Check playbooks (and inventory) without connecting",
		Args:  cobra.MinimumNArgs(1),
		RunE:  func(c *cobra.Command, a []string) error { return doValidate(c, a, &f) },
	}
	validate.Flags().StringVarP(&f.inventory, "inventory", "i", "", "inventory file (HCL)")
	validate.Flags().StringArrayVar(&f.vars, "var", nil, "set a variable, NAME=VALUE")
	validate.Flags().StringArrayVar(&f.varFiles, "var-file", nil, "HCL file of name = value lines")
	validate.Flags().StringVar(&f.color, "color", "auto", "auto, always or never")
	fmtCmd := &cobra.Command{
		Use:   "fmt [-check] [FILE...]",
		Short: "Rewrite HCL files in canonical format",
		RunE:  func(c *cobra.Command, a []string) error { return doFmt(c, a, f.check) },
	}
	fmtCmd.Flags().BoolVar(&f.check, "check", false, "only report files that are not formatted (exit 1)")
	inv := &cobra.Command{
		Use:   "inventory -i INVENTORY [--limit LIST]",
		Short: "Print resolved hosts, groups and vars",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, a []string) error { return doInventory(c, &f) },
	}
	inv.Flags().StringVarP(&f.inventory, "inventory", "i", "", "inventory file (HCL)")
	inv.Flags().StringVar(&f.limit, "limit", "", "comma list of hosts and groups; !name excludes")
	addShardFlag(inv.Flags(), &f)
	inv.Flags().StringVar(&f.color, "color", "auto", "auto, always or never")
	inv.Flags().StringVar(&f.format, "format", "text", "text (an inventory in HCL) or json")
	root.AddCommand(plan, apply, validate, fmtCmd, inv)
	root.AddCommand(docCommands(&f)...)
	root.AddCommand(execCommand(&f))
	root.AddCommand(mergePlansCommand())
	root.Version = versionString()
	root.SetVersionTemplate("clawrun {{.Version}}\n")
	// Go-style single-dash long flags (-check) are accepted too.
	for i, a := range args {
		if a == "-check" {
			args[i] = "--check"
		}
	}
	if err := root.Execute(); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		fmt.Fprintln(os.Stderr, "clawrun:", err)
		return 1
	}
	return 0
}

// addRunFlags adds the flags plan and apply share.
func addRunFlags(c *cobra.Command, f *flags) {
	fs := c.Flags()
	fs.StringVarP(&f.inventory, "inventory", "i", "", "inventory file (HCL)")
	fs.StringVar(&f.limit, "limit", "", "comma list of hosts and groups; !name excludes")
	addShardFlag(fs, f)
	fs.StringSliceVar(&f.tags, "tags", nil, "run only tasks with these tags")
	fs.StringSliceVar(&f.skipTags, "skip-tags", nil, "skip tasks with these tags")
	fs.StringArrayVar(&f.vars, "var", nil, "set a variable, NAME=VALUE (repeatable)")
	fs.StringArrayVar(&f.varFiles, "var-file", nil, "HCL file of name = value lines (repeatable)")
	fs.IntVar(&f.forks, "forks", 50, "hosts worked on at once")
	fs.StringVar(&f.format, "format", "text", "output format: text, json or markdown")
	fs.BoolVar(&f.acceptNewHostKeys, "accept-new-host-keys", false, "trust hosts absent from known_hosts (never a changed key)")
	fs.StringVar(&f.color, "color", "auto", "auto, always or never (auto respects NO_COLOR)")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "debug log to stderr (never contains secrets)")
	fs.BoolVar(&f.forceHandlers, "force-handlers", false, "run notified handlers even on failed hosts")
	fs.BoolVar(&f.stats, "stats", false, "print per-host connection counters")
	fs.BoolVarP(&f.askBecomePass, "ask-become-pass", "K", false, "ask for the sudo password (no echo)")
}

func useColor(mode string, w io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// load parses and checks playbook and inventory; every problem is reported
// at once, and nothing is contacted.
func load(c *cobra.Command, pbPath string, f *flags, requireInventory bool) (*playbooks.Playbook, *inventory.Inventory, []*inventory.Host, *Prepared, error) {
	stderr := c.ErrOrStderr()
	color := useColor(f.color, stderr)
	pb, diags := playbooks.Load(pbPath)
	var inv *inventory.Inventory
	if f.inventory != "" {
		var d hcl.Diagnostics
		inv, d = inventory.Load(f.inventory)
		diags = append(diags, d...)
	} else if requireInventory {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No inventory",
			Detail: "Pass an inventory file with -i INVENTORY (see inventory/hosts.example.hcl)."})
	}
	if pb == nil {
		printDiags(stderr, diags, color)
		return nil, nil, nil, nil, exitError{1}
	}
	var hosts []*inventory.Host
	var invHosts []playbooks.InventoryHost
	if inv != nil {
		if bad := inv.CheckPatterns(pb.Hosts); len(bad) > 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown hosts in playbook",
				Detail: fmt.Sprintf("hosts names %s, which %s does not define.", strings.Join(bad, ", "), inv.File)})
		}
		var err error
		if hosts, err = inv.Select(pb.Hosts, f.limit); err == nil && len(hosts) == 0 {
			err = fmt.Errorf("no hosts match hosts = %v and --limit %q", pb.Hosts, f.limit)
		}
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid --limit", Detail: err.Error()})
		} else if hosts, err = shardHosts(f, hosts); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid --shard", Detail: err.Error()})
		} else if hosts, err = onlyHosts(hosts, f.onlyHosts); err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Saved plan's hosts not selected", Detail: err.Error()})
		}
		for _, h := range hosts {
			invHosts = append(invHosts, playbooks.InventoryHost{Name: h.Name, Vars: h.Vars, Range: h.Range.Ptr()})
		}
	}
	vs, d := pb.Resolve(playbooks.Inputs{Vars: f.vars, VarFiles: f.varFiles, Environ: os.Environ(), Fixed: f.fixed, Hosts: invHosts, SensitiveOnly: f.fixed != nil}, requireInventory)
	diags = append(diags, d...)
	var checks []playbooks.CheckHost
	for _, h := range hosts {
		checks = append(checks, playbooks.CheckHost{Name: h.Name, Address: h.Address, Groups: h.Groups, Vars: h.Vars, VarValues: vs.For(h.Name)})
	}
	secrets := &playbooks.Secrets{}
	diags = append(diags, pb.Check(vs.Values, checks, secrets)...)
	for _, v := range vs.Values {
		secrets.AddValue(v) // also those of variables no task used
	}
	for _, h := range hosts {
		for _, v := range vs.For(h.Name) {
			secrets.AddValue(v) // sensitive values from inventory vars
		}
	}
	printDiagsRedacted(stderr, diags, color, secrets)
	if diags.HasErrors() {
		return nil, nil, nil, nil, exitError{1}
	}
	return pb, inv, hosts, &Prepared{Vars: vs.Values, HostVars: vs.ByHost, Pinned: vs.Pinned, Secrets: secrets}, nil
}

func hostNames(hosts []*inventory.Host) []string {
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = h.Name
	}
	return out
}

func doRun(c *cobra.Command, pbPath string, f *flags, apply bool) error {
	if err := checkRunFlags(f); err != nil {
		return err
	}
	var replay *planfile.File
	if apply {
		var err error
		if replay, pbPath, err = loadSavedPlan(c, pbPath, f); err != nil {
			return err
		}
	}
	if f.noExec && f.out != "" {
		return fmt.Errorf("plan --no-exec cannot be saved with --out: tasks it did not check cannot be applied as planned")
	}
	pb, inv, hosts, prep, err := load(c, pbPath, f, true)
	if err != nil {
		return err
	}
	if len(hosts) == 0 && f.shard != "" {
		// More shards than hosts is normal in a fixed CI matrix.
		fmt.Fprintf(c.ErrOrStderr(), "clawrun: shard %s holds none of the selected hosts: nothing to do\n", f.shard)
		return nil
	}
	if err := checkTags(pb, f.tags, "--tags"); err != nil {
		return err
	}
	if err := checkTags(pb, f.skipTags, "--skip-tags"); err != nil {
		return err
	}
	var record *planfile.File
	switch {
	case replay != nil:
		if err := replay.Check(pb.Source, inv.Source, prep.Vars); err != nil {
			return err
		}
		if err := replay.CheckHostVars(hostNames(hosts), prep.For); err != nil {
			return err
		}
	case f.out != "":
		key, err := planfile.Key(true)
		if err != nil {
			return err
		}
		record = planfile.New(pb, f.inventory, inv.Source, prep.Vars, f.limit, f.tags, f.skipTags, key)
		if f.shard != "" {
			record.OnlyHosts = hostNames(hosts)
		}
		record.SetPinned(prep.Pinned)
		record.SetHostVars(hostNames(hosts), prep.For)
	}
	r, err := newRenderer(c, f, pb, pbPath, apply)
	if err != nil {
		return err
	}
	ctx, stop := interruptContext()
	defer stop()
	opts := runner.Options{
		Apply: apply, Tags: f.tags, SkipTags: f.skipTags, Forks: f.forks,
		ForceHandlers: f.forceHandlers, Renderer: r, NoExec: f.noExec,
		Commit: gitCommit(pb.Dir), Limit: f.limit, Shard: f.shard,
	}
	if opts.Dial, err = dialOptions(f); err != nil {
		return err
	}
	// Credentials of the controller are redacted like sensitive values:
	// whatever echoes them, output does not.
	addControllerSecrets(prep.Secrets, opts.Dial)
	if f.verbose {
		opts.Log = c.ErrOrStderr()
	}
	opts.Record, opts.Replay, opts.HostVars = record, replay, prep.HostVars
	run := runner.New(pb, inv, prep.Vars, prep.Secrets, opts)
	run.Execute(ctx, hosts)
	r.Close()
	if record != nil && !run.Interrupted {
		if err := record.Save(f.out, prep.Secrets); err != nil {
			return fmt.Errorf("save plan: %w", err)
		}
		fmt.Fprintf(c.ErrOrStderr(), "clawrun: plan saved to %s; apply exactly it with: clawrun apply %s\n", f.out, f.out)
	}
	switch {
	case run.Interrupted:
		return exitError{130}
	case run.Failed():
		return exitError{1}
	case !apply && f.detailedExitcode && run.Changes():
		return exitError{2}
	}
	return nil
}

// gitCommit names the commit of the playbook's repository, if any.
func gitCommit(dir string) string {
	out, err := exec.Command("git", "-C", dir, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// interruptContext is cancelled by the first SIGINT/SIGTERM; a second one
// exits at once.
func interruptContext() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ch
		fmt.Fprintln(os.Stderr, "\nclawrun: interrupted: finishing running tasks (interrupt again to abort)")
		cancel()
		<-ch
		os.Exit(130)
	}()
	return ctx, func() { signal.Stop(ch); cancel() }
}

// checkRunFlags rejects flag values that would otherwise be ignored or
// misread, before anything is loaded.
func checkRunFlags(f *flags) error {
	if f.forks < 1 {
		return fmt.Errorf("--forks must be at least 1, not %d", f.forks)
	}
	return checkColor(f.color)
}

func checkColor(mode string) error {
	switch mode {
	case "auto", "always", "never":
		return nil
	}
	return fmt.Errorf("--color takes auto, always or never, not %q", mode)
}

// newRenderer builds the output format the flags ask for.
func newRenderer(c *cobra.Command, f *flags, pb *playbooks.Playbook, pbPath string, apply bool) (event.Renderer, error) {
	stdout := c.OutOrStdout()
	cfg := output.Config{W: stdout, Color: useColor(f.color, stdout), Diffs: !apply || f.diff, Verbose: f.verbose, Stats: f.stats,
		Playbook: pbPath, Inventory: f.inventory, Limit: shardLabel(f)}
	if fd, ok := c.ErrOrStderr().(*os.File); ok && term.IsTerminal(int(fd.Fd())) {
		cfg.Progress = fd
	}
	if f.format == "markdown" {
		cfg.Commit = gitCommit(pb.Dir)
	}
	return output.New(f.format, cfg)
}
