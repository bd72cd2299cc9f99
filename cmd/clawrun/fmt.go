package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"
)

// doFmt formats HCL files in place (or reports them with -check). Without
// arguments it walks the current folder's tree, as terraform fmt
// -recursive does; a folder argument is walked too.
func doFmt(c *cobra.Command, args []string, check bool) error {
	if len(args) == 0 {
		args = []string{"."}
	}
	var files []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			files = append(files, a)
			continue
		}
		found, err := hclFiles(a)
		if err != nil {
			return err
		}
		files = append(files, found...)
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

// hclFiles lists the *.hcl files under dir, skipping hidden folders
// (.git), testdata and vendor (fixtures there may be malformed on
// purpose), without following symlinks.
func hclFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != dir && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && strings.HasSuffix(name, ".hcl") {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}
