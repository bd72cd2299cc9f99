package modules

import (
	"encoding/json"
	"fmt"
	"math/big"
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
	// secretArgs are the values of sensitive args, as they print in JSON;
	// secretIdx their positions in argValues.
	secretArgs []string
	secretIdx  []int
}

// secretDeps are the paths whose new value depends on a sensitive
// argument (see dependents); all means every path.
type secretDeps struct {
	paths []string
	all   bool
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
	j.argNames, j.argValues, j.secretArgs, j.secretIdx = nil, nil, nil, nil
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
			j.secretIdx = append(j.secretIdx, len(j.argValues)-1)
			j.secretArgs = append(j.secretArgs, strings.Trim(compactJSON(doc), `"`))
		}
	}
	if j.Expression == "" {
		return diags
	}
	// The parser's message quotes the program: for a sensitive program it
	// would print pieces of the secret, which redaction of the whole value
	// does not catch. Say only that it does not compile.
	why := func(err error) string {
		if a["expression"].Sensitive {
			return "The expression (a sensitive value, not shown) is not a valid jq program."
		}
		return err.Error()
	}
	q, err := gojq.Parse(j.Expression)
	if err != nil {
		return append(diags, a.Diag("expression", "Invalid jq program", why(err)))
	}
	code, err := gojq.Compile(q, gojq.WithVariables(j.argNames))
	if err != nil {
		return append(diags, a.Diag("expression", "Invalid jq program", why(err)))
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
		deps := j.dependents(doc, next)
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
			b.WriteString(j.describe(c, deps) + "\n")
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
		if cur.Type == "absent" {
			inherit(p, h, j.Path, cur, j.Mode, j.Group)
		}
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

// secretKey matches keys whose values are credentials whatever their source:
// camelCase, snake_case and header forms (botToken, api_key, X-Api-Key,
// clientSecret, Authorization).
var secretKey = regexp.MustCompile(`(?i)(token|secret|password|passwd|pwd|credential|authorization|cookie|(api|private|access|secret|signing|client|master)[_-]?key)s?$`)

// describe prints one change. A change at or under a credential-like key,
// or at a path whose new value depends on a sensitive argument, prints as
// (sensitive value) on both sides; in an object or array shown whole, every
// value under a credential-like key inside it does.
func (j *JQEdit) describe(c jsonChange, deps secretDeps) string {
	show := func(v any) string {
		s := compactJSON(redactCredentials(v))
		if len(s) > 120 {
			s = s[:117] + "..."
		}
		return s
	}
	hidden := underSecretKey(c.Keys) || deps.has(c.Path) || j.holdsSecret(c.New)
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

// underSecretKey reports whether any key on a path is credential-like: a
// value under "secrets" or an element of "tokens" is one too.
func underSecretKey(keys []string) bool {
	for _, k := range keys {
		if secretKey.MatchString(k) {
			return true
		}
	}
	return false
}

// redactCredentials returns a copy of v in which every value under a
// credential-like key, at any depth, is "(sensitive value)".
func redactCredentials(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			if secretKey.MatchString(k) {
				m[k] = "(sensitive value)"
			} else {
				m[k] = redactCredentials(e)
			}
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = redactCredentials(e)
		}
		return l
	}
	return v
}

// dependents finds the paths whose new value depends on a sensitive
// argument: the program runs again with every sensitive argument changed
// (canary), and the paths that differ are the dependent ones. jq can
// encode a secret (@base64, @uri, slicing, length) past any search for its
// value; this finds it whatever the encoding. If the program fails on the
// canary, every path counts as dependent.
func (j *JQEdit) dependents(doc, next any) secretDeps {
	if len(j.secretIdx) == 0 {
		return secretDeps{}
	}
	args := append([]any{}, j.argValues...)
	for _, i := range j.secretIdx {
		args[i] = canary(args[i])
	}
	iter := j.code.Run(doc, args...)
	alt, ok := iter.Next()
	if _, isErr := alt.(error); !ok || isErr {
		return secretDeps{all: true}
	}
	var diffs []jsonChange
	diffJSON("", next, alt, &diffs)
	var deps secretDeps
	for _, d := range diffs {
		deps.paths = append(deps.paths, d.Path)
	}
	return deps
}

// canary returns v with every leaf changed: strings longer and different,
// numbers shifted, booleans flipped.
func canary(v any) any {
	switch x := v.(type) {
	case string:
		return x + "\u0001clawrun-canary"
	case bool:
		return !x
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = canary(e)
		}
		return m
	case []any:
		l := make([]any, len(x)+1)
		for i, e := range x {
			l[i] = canary(e)
		}
		l[len(x)] = "clawrun-canary"
		return l
	case nil:
		return "clawrun-canary"
	default:
		if f, ok := toFloat(x); ok {
			return f + 1.5
		}
		return "clawrun-canary"
	}
}

// dependsOnSecret reports whether a change at path touches a path whose
// value depends on a sensitive argument.
func (d secretDeps) has(path string) bool {
	if d.all {
		return true
	}
	for _, p := range d.paths {
		if p == "." || p == path || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[") ||
			strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[") {
			return true
		}
	}
	return false
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

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}
