// Command clawrun pushes configuration to Linux hosts over SSH.
package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"
)

// docCommands are `doc`, `vars` and `version`.
func docCommands(f *flags) []*cobra.Command {
	doc := &cobra.Command{
		Use:   "doc [MODULE]",
		Short: "List modules, or print a module's attributes",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			w := c.OutOrStdout()
			if len(a) == 0 {
				for _, n := range modules.Names() {
					fmt.Fprintf(w, "%-9s %s\n", n, modules.Docs[n].Summary)
				}
				fmt.Fprintln(w, "\nclawrun doc MODULE prints a module's attributes.")
				return nil
			}
			if _, ok := modules.Registry[a[0]]; !ok {
				return fmt.Errorf("no module %q: modules are %s", a[0], strings.Join(modules.Names(), ", "))
			}
			fmt.Fprint(w, modules.DocText(a[0]))
			return nil
		},
	}
	vars := &cobra.Command{
		Use:   "vars PLAYBOOK",
		Short: "List a playbook's variables: type, default, sensitivity, description",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, a []string) error {
			pb, diags := playbooks.Load(a[0])
			if diags.HasErrors() || pb == nil {
				printDiags(c.ErrOrStderr(), diags, useColor(f.color, c.ErrOrStderr()))
				return exitError{1}
			}
			printVars(c.OutOrStdout(), pb)
			return nil
		},
	}
	vars.Flags().StringVar(&f.color, "color", "auto", "auto, always or never")
	ver := &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run:   func(c *cobra.Command, a []string) { fmt.Fprintln(c.OutOrStdout(), "clawrun", versionString()) },
	}
	return []*cobra.Command{doc, vars, ver}
}

func printVars(w io.Writer, pb *playbooks.Playbook) {
	if len(pb.Variables) == 0 {
		fmt.Fprintf(w, "%s declares no variables\n", pb.File)
		return
	}
	for i, v := range pb.Variables {
		if i > 0 {
			fmt.Fprintln(w)
		}
		ty := "any"
		if v.Type != cty.DynamicPseudoType {
			ty = v.Type.FriendlyName()
		}
		def := "required"
		switch {
		case v.Default == cty.NilVal:
		case v.Sensitive:
			def = "default " + playbooks.Redacted
		default:
			def = "default " + FormatValue(v.Default)
		}
		attrs := []string{ty, def}
		if v.Sensitive {
			attrs = append(attrs, "sensitive")
		}
		fmt.Fprintf(w, "%s (%s)\n", v.Name, strings.Join(attrs, ", "))
		if v.Description != "" {
			fmt.Fprintf(w, "  %s\n", v.Description)
		}
	}
}

// versionString names the module version and VCS commit the binary was
// built from, e.g. "v0.3.0 (d4c14bc, 2026-11-27)". A -ldflags version
// wins; a build from a checkout says "(devel)".
func versionString() string {
	v := version
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = &debug.BuildInfo{}
	}
	if v == "dev" && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	rev, date := commit, buildDate
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			date = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	var extra []string
	if rev != "" {
		if len(rev) > 7 {
			rev = rev[:7]
		}
		if dirty {
			rev += "+dirty"
		}
		extra = append(extra, rev)
	}
	if len(date) >= 10 {
		extra = append(extra, date[:10])
	}
	if len(extra) > 0 {
		v += " (" + strings.Join(extra, ", ") + ")"
	}
	return v
}
