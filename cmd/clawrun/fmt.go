package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"
)

// doFmt formats HCL files in place (or reports them with -check). Without
// arguments it formats the *.hcl files of the current folder.
func doFmt(c *cobra.Command, files []string, check bool) error {
	if len(files) == 0 {
		files, _ = filepath.Glob("*.hcl")
	}
	bad := 0
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		if _, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos); diags.HasErrors() {
			printDiags(c.ErrOrStderr(), diags, false)
			return exitError{1}
		}
		out := hclwrite.Format(src)
		if bytes.Equal(out, src) {
			continue
		}
		bad++
		if check {
			fmt.Fprintln(c.OutOrStdout(), name)
			continue
		}
		if err := os.WriteFile(name, out, 0o644); err != nil {
			return err
		}
		fmt.Fprintln(c.OutOrStdout(), name)
	}
	if check && bad > 0 {
		return exitError{1}
	}
	return nil
}
