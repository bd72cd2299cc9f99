package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/clawrun/clawrun/playbooks"
	"github.com/hashicorp/hcl/v2"
	"golang.org/x/term"
)

// printDiags writes diagnostics with file:line:col and the source line.
func printDiags(w io.Writer, diags hcl.Diagnostics, color bool) {
	printDiagsRedacted(w, diags, color, nil)
}

// printDiagsRedacted writes diagnostics with every secret redacted: HCL
// quotes values (escaped) and the variables an expression uses.
func printDiagsRedacted(out io.Writer, diags hcl.Diagnostics, color bool, secrets *playbooks.Secrets) {
	if len(diags) == 0 {
		return
	}
	var all bytes.Buffer
	defer func() { io.WriteString(out, secrets.Redact(all.String())) }()
	w := &all
	// Inventory files are not among them: their vars hold secrets.
	files := playbooks.Files()
	width := 0
	if f, ok := out.(*os.File); ok {
		width, _, _ = term.GetSize(int(f.Fd()))
	}
	var buf bytes.Buffer
	dw := hcl.NewDiagnosticTextWriter(&buf, files, uint(width), color)
	for _, d := range diags {
		// A file:line:col line first, for editors and CI annotations.
		sev := "error"
		if d.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		if d.Subject != nil {
			fmt.Fprintf(w, "%s:%d:%d: %s: %s\n", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, sev, d.Summary)
		} else {
			fmt.Fprintf(w, "clawrun: %s: %s\n", sev, d.Summary)
		}
		// HCL's writer starts with "Error: <summary>": the line above
		// already said it, so only the excerpt and detail follow.
		buf.Reset()
		dw.WriteDiagnostic(d)
		body := buf.String()
		if _, rest, ok := strings.Cut(body, "\n"); ok {
			body = strings.TrimPrefix(rest, "\n")
		}
		io.WriteString(w, strings.TrimRight(body, "\n")+"\n\n")
	}
}
