package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/clawrun/clawrun/inventory"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner"
	"github.com/clawrun/clawrun/runner/output"
	"github.com/spf13/cobra"
)

// execCommand is `clawrun exec -i INV [--limit] [--become] -- COMMAND...`.
func execCommand(f *flags) *cobra.Command {
	var become bool
	c := &cobra.Command{
		Use:   "exec -i INVENTORY [--limit LIST] [--become] -- COMMAND...",
		Short: "Run an ad-hoc command on every selected host, in parallel",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if f.inventory == "" {
				return errors.New("exec: pass -i INVENTORY")
			}
			if f.forks < 1 {
				return fmt.Errorf("--forks must be at least 1, not %d", f.forks)
			}
			if f.format != "text" && f.format != "json" {
				return fmt.Errorf("unknown --format %q for exec (text, json)", f.format)
			}
			inv, diags := inventory.Load(f.inventory)
			printDiags(c.ErrOrStderr(), diags, useColor(f.color, c.ErrOrStderr()))
			if diags.HasErrors() {
				return exitError{1}
			}
			hosts, err := inv.Select([]string{"all"}, f.limit)
			if err == nil && len(hosts) == 0 {
				err = fmt.Errorf("no hosts match --limit %q", f.limit)
			}
			if err == nil {
				if hosts, err = shardHosts(f, hosts); err == nil && len(hosts) == 0 {
					fmt.Fprintf(c.ErrOrStderr(), "clawrun: shard %s holds none of the selected hosts: nothing to do\n", f.shard)
					return nil
				}
			}
			if err != nil {
				return err
			}
			ctx, stop := interruptContext()
			defer stop()
			dial, err := dialOptions(f)
			if err != nil {
				return err
			}
			results := runner.Exec(ctx, hosts, strings.Join(args, " "), become, f.forks, dial)
			// What a command prints may echo the controller's credentials
			// (e.g. a sudo password typed into it): redacted as in runs.
			secrets := &playbooks.Secrets{}
			addControllerSecrets(secrets, dial)
			for i := range results {
				r := &results[i]
				r.Stdout, r.Stderr, r.Error = secrets.Redact(r.Stdout), secrets.Redact(r.Stderr), secrets.Redact(r.Error)
			}
			if f.format == "json" {
				output.RenderExecJSON(c.OutOrStdout(), results)
			} else {
				output.RenderExecText(c.OutOrStdout(), results)
			}
			for _, r := range results {
				if r.Failed() {
					return exitError{1}
				}
			}
			return nil
		},
	}
	fs := c.Flags()
	fs.StringVarP(&f.inventory, "inventory", "i", "", "inventory file (HCL)")
	fs.StringVar(&f.limit, "limit", "", "comma list of hosts and groups; !name excludes")
	addShardFlag(fs, f)
	fs.BoolVar(&become, "become", false, "run the command as root through sudo")
	fs.IntVar(&f.forks, "forks", 50, "hosts worked on at once")
	fs.StringVar(&f.format, "format", "text", "output format: text or json")
	fs.BoolVar(&f.acceptNewHostKeys, "accept-new-host-keys", false, "trust hosts absent from known_hosts (never a changed key)")
	fs.StringVar(&f.color, "color", "auto", "auto, always or never")
	fs.BoolVarP(&f.askBecomePass, "ask-become-pass", "K", false, "ask for the sudo password (no echo)")
	return c
}
