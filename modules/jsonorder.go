package modules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// orderTree remembers the key order of a JSON document's objects, so that
// a document edited as plain maps can be written back with untouched keys
// in their old places (and new keys appended).
type orderTree struct {
	keys     []string
	children map[string]*orderTree
	elems    []*orderTree
	// num is a number's source text and value: written back as it was
	// when the value is unchanged (1e400 stays 1e400, 1.50 stays 1.50).
	num    string
	numVal any
}

// decodeOrdered parses JSON into plain values (as gojq wants them: maps,
// slices, float64/big ints, strings, bools, nil) and an order tree.
func decodeOrdered(data []byte) (any, *orderTree, error) {
	// encoding/json turns invalid UTF-8 and lone surrogate escapes into
	// U+FFFD without a word: the write would change bytes the diff cannot show.
	if !utf8.Valid(data) {
		i := invalidUTF8At(data)
		return nil, nil, fmt.Errorf("not UTF-8 (byte 0x%02x at offset %d; JSON must be UTF-8, e.g. convert it with iconv -f latin1 -t utf-8)", data[i], i)
	}
	if i := loneSurrogate(data); i >= 0 {
		return nil, nil, fmt.Errorf("invalid JSON: a \\u escape at offset %d is half of a UTF-16 surrogate pair", i)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, t, err := decodeValue(dec)
	if err != nil {
		return nil, nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, fmt.Errorf("invalid JSON: trailing data after the document")
	}
	return v, t, nil
}

func decodeValue(dec *json.Decoder) (any, *orderTree, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, fmt.Errorf("invalid JSON: %w", err)
	}
	switch x := tok.(type) {
	case json.Delim:
		switch x {
		case '{':
			m := map[string]any{}
			t := &orderTree{children: map[string]*orderTree{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, nil, fmt.Errorf("invalid JSON: %w", err)
				}
				k := kt.(string)
				v, ct, err := decodeValue(dec)
				if err != nil {
					return nil, nil, err
				}
				if _, dup := m[k]; dup {
					// Only the last value would be written back.
					return nil, nil, fmt.Errorf("invalid JSON: key %q appears twice in one object", k)
				}
				t.keys = append(t.keys, k)
				m[k] = v
				t.children[k] = ct
			}
			if _, err := dec.Token(); err != nil {
				return nil, nil, fmt.Errorf("invalid JSON: %w", err)
			}
			return m, t, nil
		case '[':
			var a []any
			t := &orderTree{}
			for dec.More() {
				v, ct, err := decodeValue(dec)
				if err != nil {
					return nil, nil, err
				}
				a = append(a, v)
				t.elems = append(t.elems, ct)
			}
			if _, err := dec.Token(); err != nil {
				return nil, nil, fmt.Errorf("invalid JSON: %w", err)
			}
			if a == nil {
				a = []any{}
			}
			return a, t, nil
		}
	case json.Number:
		v := jsonNumber(x)
		return v, &orderTree{num: string(x), numVal: v}, nil
	}
	return tok, nil, nil
}

func invalidUTF8At(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return 0
}

// loneSurrogate returns the offset of a \u escape of a UTF-16 surrogate
// that is not part of a pair, or -1.
func loneSurrogate(data []byte) int {
	hex4 := func(i int) (uint64, bool) {
		if i+6 > len(data) || data[i] != '\\' || data[i+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(data[i+2:i+6]), 16, 16)
		return n, err == nil
	}
	inString := false
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			inString = !inString
		case inString && c == '\\':
			if n, ok := hex4(i); ok && n >= 0xd800 && n <= 0xdfff {
				lo, ok2 := hex4(i + 6)
				if n >= 0xdc00 || !ok2 || lo < 0xdc00 || lo > 0xdfff {
					return i
				}
				i += 6
			}
			i++ // the escaped byte
		}
	}
	return -1
}

// jsonNumber converts like gojq: integers stay exact.
func jsonNumber(n json.Number) any {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil && i >= math.MinInt && i <= math.MaxInt {
		return int(i)
	}
	if b, ok := new(big.Int).SetString(string(n), 10); ok {
		return b
	}
	f, _ := n.Float64()
	return f
}

// encodeOrdered writes v as indented JSON, objects' keys in the order t
// remembers, then new keys sorted; numbers whose value is unchanged keep
// their source text. A number JSON cannot hold (an infinity a program
// computed) is an error.
func encodeOrdered(v any, t *orderTree, indent string) ([]byte, error) {
	var b bytes.Buffer
	if err := writeOrdered(&b, v, t, indent, "", ""); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func writeOrdered(b *bytes.Buffer, v any, t *orderTree, indent, prefix, path string) error {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			b.WriteString("{}")
			return nil
		}
		var keys []string
		seen := map[string]bool{}
		if t != nil {
			for _, k := range t.keys {
				if _, ok := x[k]; ok {
					keys = append(keys, k)
					seen[k] = true
				}
			}
		}
		var added []string
		for k := range x {
			if !seen[k] {
				added = append(added, k)
			}
		}
		sort.Strings(added)
		keys = append(keys, added...)
		b.WriteString("{\n")
		for i, k := range keys {
			b.WriteString(prefix + indent)
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteString(": ")
			var ct *orderTree
			if t != nil {
				ct = t.children[k]
			}
			if err := writeOrdered(b, x[k], ct, indent, prefix+indent, path+"."+jsonKey(k)); err != nil {
				return err
			}
			if i < len(keys)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(prefix + "}")
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteString("[\n")
		for i, e := range x {
			b.WriteString(prefix + indent)
			var ct *orderTree
			if t != nil && i < len(t.elems) {
				ct = t.elems[i]
			}
			if err := writeOrdered(b, e, ct, indent, prefix+indent, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
			if i < len(x)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(prefix + "]")
	default:
		if t != nil && t.num != "" && isNumber(x) && jsonEqual(t.numVal, x) {
			b.WriteString(t.num)
			return nil
		}
		if f, ok := x.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
			if path == "" {
				path = "."
			}
			return fmt.Errorf("the result holds %v at %s, which JSON cannot represent", f, path)
		}
		b.WriteString(compactJSON(x))
	}
	return nil
}

func isNumber(v any) bool {
	switch v.(type) {
	case int, float64, *big.Int:
		return true
	}
	return false
}

func compactJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(normalizeJSON(v)); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// normalizeJSON makes gojq values marshalable (big ints, floats that are whole).
func normalizeJSON(v any) any {
	switch x := v.(type) {
	case *big.Int:
		return json.Number(x.String())
	case int:
		return json.Number(strconv.Itoa(x))
	case float64:
		// Whole numbers below 1e21 are written in integer form (as
		// encoding/json does) and read back as integers: compare them so,
		// or ".limit = 1e15" would change the file every run.
		if x == math.Trunc(x) && math.Abs(x) < 1e21 {
			return json.Number(strconv.FormatFloat(x, 'f', -1, 64))
		}
		return x
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = normalizeJSON(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = normalizeJSON(e)
		}
		return a
	}
	return v
}

// jsonEqual compares two decoded documents by value; numbers compare by
// value whatever their Go type (1e20 as float64 equals the integer).
func jsonEqual(a, b any) bool {
	return reflect.DeepEqual(canonJSON(a), canonJSON(b))
}

// canonJSON writes every number as one canonical string.
func canonJSON(v any) any {
	switch x := v.(type) {
	case *big.Int:
		return json.Number(x.String())
	case int:
		return json.Number(strconv.Itoa(x))
	case float64:
		if !math.IsInf(x, 0) && !math.IsNaN(x) && x == math.Trunc(x) {
			i, _ := new(big.Float).SetFloat64(x).Int(nil)
			return json.Number(i.String())
		}
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = canonJSON(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = canonJSON(e)
		}
		return a
	}
	return v
}

// jsonChange is one difference between two documents.
type jsonChange struct {
	Sign     string // + ~ -
	Path     string
	Keys     []string // the object keys along Path (array indexes left out)
	Old, New any
}

// diffJSON lists differences by path: objects are walked key by key, and
// arrays of the same length index by index (a resized array compares as a
// whole, so an insertion does not show as a shift of every element).
func diffJSON(path string, old, new any, out *[]jsonChange) {
	diffJSONAt(path, nil, old, new, out)
}

func diffJSONAt(path string, keys []string, old, new any, out *[]jsonChange) {
	om, ok1 := old.(map[string]any)
	nm, ok2 := new.(map[string]any)
	if ok1 && ok2 {
		diffObjects(path, keys, om, nm, out)
		return
	}
	oa, ok1 := old.([]any)
	na, ok2 := new.([]any)
	if ok1 && ok2 && len(oa) == len(na) {
		for i := range oa {
			diffJSONAt(path+"["+strconv.Itoa(i)+"]", keys, oa[i], na[i], out)
		}
		return
	}
	if !jsonEqual(old, new) {
		if path == "" {
			path = "."
		}
		*out = append(*out, jsonChange{Sign: "~", Path: path, Keys: keys, Old: old, New: new})
	}
}

func diffObjects(path string, keys []string, om, nm map[string]any, out *[]jsonChange) {
	all := map[string]bool{}
	for k := range om {
		all[k] = true
	}
	for k := range nm {
		all[k] = true
	}
	sorted := make([]string, 0, len(all))
	for k := range all {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		p := path + "." + jsonKey(k)
		ks := append(keys[:len(keys):len(keys)], k) // a copy per key: siblings must not share it
		ov, inOld := om[k]
		nv, inNew := nm[k]
		switch {
		case !inOld:
			if sub, isMap := nv.(map[string]any); isMap && len(sub) > 0 {
				diffObjects(p, ks, map[string]any{}, sub, out) // list the new leaves
				continue
			}
			*out = append(*out, jsonChange{Sign: "+", Path: p, Keys: ks, New: nv})
		case !inNew:
			*out = append(*out, jsonChange{Sign: "-", Path: p, Keys: ks, Old: ov})
		default:
			diffJSONAt(p, ks, ov, nv, out)
		}
	}
}

var plainKey = func(k string) bool {
	if k == "" {
		return false
	}
	for i, r := range k {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func jsonKey(k string) string {
	if plainKey(k) {
		return k
	}
	b, _ := json.Marshal(k)
	return "[" + string(b) + "]"
}
