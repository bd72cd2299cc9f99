package modules

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/itchyny/gojq"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// JQEdit edits a JSON file with a jq program (gojq). Untouched keys keep
// their order, new keys are appended, and the file is not rewritten when the
// result equals the current value.
type JQEdit struct {
	// Path is the JSON file on the host.
	Path string `hcl:"path"`
	// Expression is the jq program; its first output is the new document.
	Expression string `hcl:"expression"`
	// Args are visible in the program as $name.
	Args map[string]cty.Value `hcl:"args,optional"`
	// Create starts from {} when the file is missing (else the task fails).
	Create bool `hcl:"create,optional"`
	// Mode, Owner and Group of the file (unset keeps them; new files 0644 root).
	Mode  string `hcl:"mode,optional"`
	Owner string `hcl:"owner,optional"`
	Group string `hcl:"group,optional"`

	code      *gojq.Code
	argNames  []string
	argValues []any
	// secretArgs are the values of sensitive args, as they print in JSON.
	secretArgs []string
}

var (
	_ Module  = (*JQEdit)(nil)
	_ Checker = (*JQEdit)(nil)
)

// Check compiles the program with its argument names, so jq errors are
// reported before any host is contacted.
func (j *JQEdit) Check(a Attrs) hcl.Diagnostics {
	diags := checkPath(a, "path", j.Path)
	diags = append(diags, checkPathLine(a, j.Path)...)
	j.argNames, j.argValues, j.secretArgs = nil, nil, nil
	keys := make([]string, 0, len(j.Args))
	for k := range j.Args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := j.Args[k]
		j.argNames = append(j.argNames, "$"+k)
		if !v.IsWhollyKnown() {
			j.argValues = append(j.argValues, nil)
			continue
		}
		b, err := ctyjson.Marshal(v, v.Type())
		if err != nil {
			diags = append(diags, a.Diag("args", "Invalid jq argument", fmt.Sprintf("%s: %s", k, err)))
			continue
		}
		doc, _, err := decodeOrdered(b)
		if err != nil {
			diags = append(diags, a.Diag("args", "Invalid jq argument", err.Error()))
			continue
		}
		j.argValues = append(j.argValues, doc)
		if a["args."+k].Sensitive {
			j.secretArgs = append(j.secretArgs, strings.Trim(compactJSON(doc), `"`))
		}
	}
	if j.Expression == "" {
		return diags
	}
	q, err := gojq.Parse(j.Expression)
	if err != nil {
		return append(diags, a.Diag("expression", "Invalid jq program", err.Error()))
	}
	code, err := gojq.Compile(q, gojq.WithVariables(j.argNames))
	if err != nil {
		return append(diags, a.Diag("expression", "Invalid jq program", err.Error()))
	}
	j.code = code
	if j.Mode != "" && !isOctal(j.Mode) {
		diags = append(diags, a.Diag("mode", "Invalid mode", fmt.Sprintf("%q is not an octal mode.", j.Mode)))
	}
	return diags
}

// Probe returns the file with its content.
func (j *JQEdit) Probe() string { return fileProbe(j.Path, "") }

// Plan runs the program on the current document and diffs by JSON path.
func (j *JQEdit) Plan(h *Host, out string) (*Plan, error) {
	cur, err := parseFileProbe(out)
	if err != nil {
		return nil, err
	}
	cur = overlay(h, j.Path, cur)
	if err := cur.needContent(j.Path, "jq-edit"); err != nil {
		return nil, err
	}
	var doc any
	var order *orderTree
	switch cur.Type {
	case "file":
		if doc, order, err = decodeOrdered(cur.Content); err != nil {
			return nil, fmt.Errorf("%s: %w (file left untouched)", j.Path, err)
		}
	case "absent":
		if !j.Create {
			return nil, fmt.Errorf("%s does not exist (set create = true to start from {})", j.Path)
		}
		if err := creatable(h, j.Path); err != nil {
			return nil, err
		}
		doc = map[string]any{}
	default:
		return nil, fmt.Errorf("%s is a %s, not a file", j.Path, cur.Type)
	}
	next, err := j.run(doc)
	if err != nil {
		return nil, err
	}
	p := &Plan{}
	unchanged := cur.Type == "file" && jsonEqual(doc, next)
	if !unchanged {
		var changes []jsonChange
		if cur.Type == "absent" {
			diffJSON("", map[string]any{}, next, &changes)
		} else {
			diffJSON("", doc, next, &changes)
		}
		sign, note := "~", attrChange(cur, j.Mode, j.Owner, j.Group)
		if cur.Type == "absent" {
			sign, note = "+", attrNote(j.Mode, j.Owner, j.Group)
		}
		p.add(sign, "json %s (%d paths)%s", j.Path, len(changes), note)
		var b strings.Builder
		for _, c := range changes {
			b.WriteString(j.describe(c) + "\n")
		}
		p.Diff = b.String()
		content, err := encodeOrdered(next, order, "  ")
		if err != nil {
			return nil, fmt.Errorf("%s: %w (file left untouched)", j.Path, err)
		}
		if err := cur.checkGuard(j.Path, j.Owner); err != nil {
			return nil, err
		}
		p.write(WriteSpec{Path: j.Path, Content: content, Mode: normMode(j.Mode), Owner: j.Owner, Group: j.Group})
		return p, nil
	}
	// Same document: only attributes may differ.
	f := &File{Path: j.Path, Mode: j.Mode, Owner: j.Owner, Group: j.Group}
	f.planAttrs(p, cur)
	if p.Changed() {
		if err := cur.checkGuard(j.Path, j.Owner); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (j *JQEdit) run(doc any) (any, error) {
	if j.code == nil {
		return nil, fmt.Errorf("jq program not compiled")
	}
	iter := j.code.Run(doc, j.argValues...)
	v, ok := iter.Next()
	if !ok {
		return nil, fmt.Errorf("jq program produced no output (file left untouched)")
	}
	if err, isErr := v.(error); isErr {
		return nil, fmt.Errorf("jq: %w (file left untouched)", err)
	}
	return v, nil
}

// secretKey matches keys whose values are credentials whatever their source.
var secretKey = regexp.MustCompile(`(?i)(token|secret|password|passwd|api_?key|private_?key|credential)s?$`)

// describe prints one change; values of credential-like keys, and all
// values of a task with a sensitive argument, print as (sensitive value)
// on both sides.
func (j *JQEdit) describe(c jsonChange) string {
	show := func(v any) string {
		s := compactJSON(v)
		if len(s) > 120 {
			s = s[:117] + "..."
		}
		return s
	}
	// With a sensitive argument every value is hidden: jq can encode it
	// (@base64, @uri, string slicing) past any search for the value.
	hidden := secretKey.MatchString(lastKey(c.Path)) || len(j.secretArgs) > 0 || j.holdsSecret(c.New)
	val := func(v any) string {
		if hidden {
			return "(sensitive value)"
		}
		return show(v)
	}
	switch c.Sign {
	case "+":
		return fmt.Sprintf("+ %s: %s", c.Path, val(c.New))
	case "-":
		return fmt.Sprintf("- %s", c.Path)
	}
	if hidden {
		return fmt.Sprintf("~ %s: (sensitive value)", c.Path)
	}
	return fmt.Sprintf("~ %s: %s → %s", c.Path, show(c.Old), show(c.New))
}

func (j *JQEdit) holdsSecret(v any) bool {
	s := compactJSON(v)
	for _, a := range j.secretArgs {
		if len(a) >= 3 && strings.Contains(s, a) {
			return true
		}
	}
	return false
}

func lastKey(path string) string {
	i := strings.LastIndex(path, ".")
	return strings.Trim(path[i+1:], `[]"`)
}
