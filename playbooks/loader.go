package playbooks

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/clawrun/clawrun/modules"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// loader implements modules.Loader for one task.
type loader struct {
	dir     string
	ctx     *hcl.EvalContext
	secrets *Secrets
	reads   *FileReads
}

func (l *loader) diag(a modules.Attrs, attr, summary, detail string) hcl.Diagnostics {
	return hcl.Diagnostics{a.Diag(attr, summary, detail)}
}

func (l *loader) ReadFile(a modules.Attrs, attr, p string) ([]byte, hcl.Diagnostics) {
	if p == "" {
		return nil, nil
	}
	path := resolve(l.dir, p)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, l.diag(a, attr, "Cannot read source file", err.Error())
	}
	l.reads.note(path, b)
	return b, nil
}

// ReadFileMax is ReadFile for small files (keys): regular files only,
// at most max+1 bytes read, more refused.
func (l *loader) ReadFileMax(a modules.Attrs, attr, p string, max int64) ([]byte, hcl.Diagnostics) {
	if p == "" {
		return nil, nil
	}
	path := resolve(l.dir, p)
	f, err := os.Open(path)
	if err != nil {
		return nil, l.diag(a, attr, "Cannot read source file", err.Error())
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, l.diag(a, attr, "Cannot read source file", fmt.Sprintf("%s is not a regular file.", p))
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, l.diag(a, attr, "Cannot read source file", err.Error())
	}
	if int64(len(b)) > max {
		return nil, l.diag(a, attr, "Source file too large", fmt.Sprintf("%s is larger than %d KiB; a key is a few KiB.", p, max>>10))
	}
	l.reads.note(path, b)
	return b, nil
}

var (
	templateMu    sync.Mutex
	templateFiles = map[string]*hcl.File{}
)

// Files returns every parsed file, templates included, for diagnostics.
func Files() map[string]*hcl.File {
	out := map[string]*hcl.File{}
	for k, v := range Parser.Files() {
		out[k] = v
	}
	templateMu.Lock()
	defer templateMu.Unlock()
	for k, v := range templateFiles {
		out[k] = v
	}
	return out
}

func (l *loader) RenderTemplate(a modules.Attrs, attr, p string, vars map[string]cty.Value) (string, hcl.Diagnostics) {
	if p == "" {
		return "", nil
	}
	path := resolve(l.dir, p)
	src, err := os.ReadFile(path)
	if err != nil {
		return "", l.diag(a, attr, "Cannot read template", err.Error())
	}
	l.reads.note(path, src)
	templateMu.Lock()
	templateFiles[path] = &hcl.File{Bytes: src}
	templateMu.Unlock()
	tmpl, diags := hclsyntax.ParseTemplate(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		return "", diags
	}
	ctx := l.ctx.NewChild()
	ctx.Variables = map[string]cty.Value{}
	for k, v := range vars {
		ctx.Variables[k] = v
	}
	for _, tr := range tmpl.Variables() {
		name := tr.RootName()
		if _, ok := ctx.Variables[name]; ok {
			continue
		}
		if name == "task" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Task result in a template",
				Detail:  "Pass task results in the task's vars (vars = { out = task.command.x.stdout }), so that plan can tell they are known after apply.",
				Subject: tr.SourceRange().Ptr()})
			continue
		}
		known := false
		for c := l.ctx; c != nil; c = c.Parent() {
			if _, ok := c.Variables[name]; ok {
				known = true
			}
		}
		if !known {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown variable in template",
				Detail:  fmt.Sprintf("%q is not defined: templates see var, local, host, each and the task's vars.", name),
				Subject: tr.SourceRange().Ptr()})
		}
	}
	if diags.HasErrors() {
		return "", diags
	}
	out, diags := tmpl.Value(ctx)
	if diags.HasErrors() {
		return "", diags
	}
	out, _ = out.UnmarkDeep()
	if !out.IsKnown() || out.IsNull() {
		return "", nil
	}
	out, err = convert.Convert(out, cty.String)
	if err != nil {
		return "", l.diag(a, attr, "Template result is not a string", err.Error())
	}
	return out.AsString(), nil
}
