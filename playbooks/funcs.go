package playbooks

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// RandomSource produces random_hex values; a saved plan replays them.
type RandomSource func(n int) string

// CryptoRandom is the default RandomSource.
func CryptoRandom(n int) string {
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)[:n]
}

// functions returns the playbook function set: dir resolves relative
// paths; every function's result on a sensitive input is recorded in
// secrets (see tracked).
func functions(dir string, random RandomSource, secrets *Secrets, reads *FileReads) map[string]function.Function {
	fs := baseFunctions(dir, random, secrets, reads)
	for name, f := range fs {
		switch name {
		case "sensitive", "templatefile":
			// sensitive records its input; templatefile's text is
			// interpolation, whose secret parts are already known.
		default:
			fs[name] = tracked(f, secrets)
		}
	}
	return fs
}

// tracked wraps f so that, when any argument is sensitive, the result's
// strings are recorded as secrets. Interpolation ("TOKEN=${var.token}")
// needs no record: the variable's value is known and redacted wherever it
// appears. A transformation (base64encode, sha256, upper...) yields a new
// string that must be redacted too.
func tracked(f function.Function, secrets *Secrets) function.Function {
	params := f.Params()
	for i := range params {
		params[i].AllowMarked = true
	}
	var vp *function.Parameter
	if v := f.VarParam(); v != nil {
		c := *v
		c.AllowMarked = true
		vp = &c
	}
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      params,
		VarParam:    vp,
		Type: func(args []cty.Value) (cty.Type, error) {
			un, _ := unmarkArgs(args)
			return f.ReturnTypeForValues(un)
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			un, marked := unmarkArgs(args)
			out, err := f.Call(un)
			if err != nil || !marked {
				return out, err
			}
			secrets.addLeaves(out)
			return out.Mark(sensitiveMark), nil
		},
	})
}

func unmarkArgs(args []cty.Value) ([]cty.Value, bool) {
	out := make([]cty.Value, len(args))
	marked := false
	for i, a := range args {
		if a.ContainsMarked() {
			marked = true
		}
		out[i], _ = a.UnmarkDeep()
	}
	return out, marked
}

func baseFunctions(dir string, random RandomSource, secrets *Secrets, reads *FileReads) map[string]function.Function {
	fs := map[string]function.Function{
		"abs": stdlib.AbsoluteFunc, "ceil": stdlib.CeilFunc, "floor": stdlib.FloorFunc,
		"max": stdlib.MaxFunc, "min": stdlib.MinFunc, "parseint": stdlib.ParseIntFunc,
		"chomp": stdlib.ChompFunc, "format": stdlib.FormatFunc, "formatlist": stdlib.FormatListFunc,
		"indent": stdlib.IndentFunc, "join": stdlib.JoinFunc, "lower": stdlib.LowerFunc,
		"upper": stdlib.UpperFunc, "replace": stdlib.ReplaceFunc, "regex": stdlib.RegexFunc,
		"regexall": stdlib.RegexAllFunc, "regex_replace": stdlib.RegexReplaceFunc,
		"split": stdlib.SplitFunc, "strlen": stdlib.StrlenFunc, "substr": stdlib.SubstrFunc,
		"title": stdlib.TitleFunc, "trim": stdlib.TrimFunc, "trimprefix": stdlib.TrimPrefixFunc,
		"trimsuffix": stdlib.TrimSuffixFunc, "trimspace": stdlib.TrimSpaceFunc,
		"reverse": stdlib.ReverseListFunc, "concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc,
		"distinct": stdlib.DistinctFunc, "element": stdlib.ElementFunc, "flatten": stdlib.FlattenFunc,
		"index": stdlib.IndexFunc, "keys": stdlib.KeysFunc, "length": stdlib.LengthFunc,
		"lookup": stdlib.LookupFunc, "merge": stdlib.MergeFunc, "range": stdlib.RangeFunc,
		"slice": stdlib.SliceFunc, "sort": stdlib.SortFunc, "values": stdlib.ValuesFunc,
		"zipmap": stdlib.ZipmapFunc, "coalesce": stdlib.CoalesceFunc, "compact": stdlib.CompactFunc,
		"setunion": stdlib.SetUnionFunc, "setintersection": stdlib.SetIntersectionFunc,
		"jsonencode": stdlib.JSONEncodeFunc, "jsondecode": stdlib.JSONDecodeFunc,
		"csvdecode": stdlib.CSVDecodeFunc, "formatdate": stdlib.FormatDateFunc,
		"tostring": makeToFunc(cty.String), "tonumber": makeToFunc(cty.Number),
		"tobool": makeToFunc(cty.Bool), "tolist": makeToFunc(cty.List(cty.DynamicPseudoType)),
		"toset": makeToFunc(cty.Set(cty.DynamicPseudoType)), "tomap": makeToFunc(cty.Map(cty.DynamicPseudoType)),
	}
	addFileFunctions(fs, dir, random, secrets, reads)
	addValueFunctions(fs, random, secrets)
	return fs
}

// addFileFunctions adds the functions that read the controller's files
// (relative to dir; each read is noted for saved plans).
func addFileFunctions(fs map[string]function.Function, dir string, random RandomSource, secrets *Secrets, reads *FileReads) {
	fs["file"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := resolve(dir, args[0].AsString())
			b, err := os.ReadFile(p)
			if err != nil {
				return cty.NilVal, fmt.Errorf("read file: %w", err)
			}
			reads.note(p, b)
			out := cty.StringVal(string(b))
			// A file others may not read holds a secret (a key, a token).
			if st, err := os.Stat(p); err == nil && st.Mode().Perm()&0o004 == 0 {
				secrets.Add(string(b))
				out = out.Mark(sensitiveMark)
			}
			return out, nil
		},
	})
	fs["templatefile"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}, {Name: "vars", Type: cty.DynamicPseudoType, AllowMarked: true}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := resolve(dir, args[0].AsString())
			src, err := os.ReadFile(p)
			if err != nil {
				return cty.NilVal, fmt.Errorf("read template: %w", err)
			}
			reads.note(p, src)
			tmpl, diags := hclsyntax.ParseTemplate(src, p, hcl.InitialPos)
			if diags.HasErrors() {
				return cty.NilVal, diags
			}
			vars := map[string]cty.Value{}
			if v := args[1]; !v.IsNull() && v.CanIterateElements() {
				for it := v.ElementIterator(); it.Next(); {
					k, e := it.Element()
					vars[k.AsString()] = e
				}
			}
			out, diags := tmpl.Value(&hcl.EvalContext{Variables: vars, Functions: functions(dir, random, secrets, reads)})
			if diags.HasErrors() {
				return cty.NilVal, diags
			}
			return out, nil
		},
	})
	fs["abspath"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p, err := filepath.Abs(args[0].AsString())
			return cty.StringVal(p), err
		},
	})
}

// addValueFunctions adds the functions whose values may be secrets: env,
// encodings, random_hex and sensitive.
func addValueFunctions(fs map[string]function.Function, random RandomSource, secrets *Secrets) {
	fs["env"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "name", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name := args[0].AsString()
			if credentialEnv[name] {
				return cty.NilVal, fmt.Errorf("env(%q): clawrun's own credential is not readable by playbooks", name)
			}
			// The environment holds credentials: its values are sensitive.
			v := os.Getenv(name)
			secrets.Add(v)
			return cty.StringVal(v).Mark(sensitiveMark), nil
		},
	})
	fs["sha256"] = strFunc(func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) })
	fs["base64encode"] = strFunc(func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) })
	fs["base64decode"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "s", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			b, err := base64.StdEncoding.DecodeString(args[0].AsString())
			if err != nil {
				return cty.NilVal, fmt.Errorf("invalid base64: %w", err)
			}
			return cty.StringVal(string(b)), nil
		},
	})
	fs["random_hex"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "n", Type: cty.Number}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			n, _ := args[0].AsBigFloat().Int64()
			if n < 1 || n > 4096 {
				return cty.NilVal, fmt.Errorf("random_hex: n must be between 1 and 4096")
			}
			return cty.StringVal(random(int(n))), nil
		},
	})
	fs["sensitive"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "v", Type: cty.DynamicPseudoType, AllowMarked: true, AllowNull: true, AllowUnknown: true}},
		Type:   func(args []cty.Value) (cty.Type, error) { return args[0].Type(), nil },
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			raw, _ := args[0].UnmarkDeep()
			secrets.addLeaves(raw)
			return args[0].Mark(sensitiveMark), nil
		},
	})
}

// credentialEnv names clawrun's own credentials, which env() refuses.
var credentialEnv = map[string]bool{"CLAWRUN_BECOME_PASSWORD": true, "CLAWRUN_KEY_PASSPHRASE": true, "CLAWRUN_PLAN_KEY": true}

func strFunc(f func(string) string) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "s", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.StringVal(f(args[0].AsString())), nil
		},
	})
}

func makeToFunc(ty cty.Type) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "v", Type: cty.DynamicPseudoType, AllowNull: true}},
		Type: func(args []cty.Value) (cty.Type, error) {
			if ty.HasDynamicTypes() {
				return cty.DynamicPseudoType, nil
			}
			return ty, nil
		},
		Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
			want := ty
			if ty.HasDynamicTypes() {
				want = ty
			}
			v, err := convertTo(args[0], want)
			return v, err
		},
	})
}

func resolve(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}
