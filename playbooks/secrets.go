package playbooks

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty"
)

// Redacted replaces a sensitive value wherever it would be printed.
const Redacted = "(sensitive value)"

// minSecret is the shortest string redacted: shorter ones would mangle all
// output and say little.
const minSecret = 3

// Secrets collects the strings of sensitive values seen while evaluating a
// playbook, so that every output path can redact them.
type Secrets struct {
	mu   sync.Mutex
	vals map[string]struct{}
	list []string // longest first, rebuilt lazily
}

// Add records s, and each of its lines, as secret.
func (s *Secrets) Add(str string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.vals == nil {
		s.vals = map[string]struct{}{}
	}
	for _, part := range append(strings.Split(str, "\n"), str) {
		part = strings.TrimSpace(part)
		if len(part) < minSecret {
			continue
		}
		for _, form := range encodings(part) {
			if _, ok := s.vals[form]; !ok && len(form) >= minSecret {
				s.vals[form] = struct{}{}
				s.list = nil
			}
		}
	}
}

// encodings are the forms in which a secret may be printed: as is, escaped
// in a quoted string (Go, JSON, HCL diagnostics), base64 (jq @base64,
// base64encode) and percent-encoded (jq @uri, URLs).
func encodings(s string) []string {
	forms := []string{s}
	q := strconv.Quote(s)
	forms = append(forms, q[1:len(q)-1])
	if j, err := json.Marshal(s); err == nil {
		forms = append(forms, string(j[1:len(j)-1]))
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		forms = append(forms, enc.EncodeToString([]byte(s)))
	}
	forms = append(forms, url.QueryEscape(s), url.PathEscape(s), uriEscape(s))
	return forms
}

// uriEscape is jq's @uri: every byte but the unreserved ones as %XX.
func uriEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// AddValue records every marked leaf of v.
func (s *Secrets) AddValue(v cty.Value) {
	if s == nil || !v.ContainsMarked() {
		return
	}
	raw, pvm := v.UnmarkDeepWithPaths()
	for _, pm := range pvm {
		sub, err := pm.Path.Apply(raw)
		if err == nil {
			s.addLeaves(sub)
		}
	}
}

func (s *Secrets) addLeaves(v cty.Value) {
	if v.IsNull() || !v.IsKnown() {
		return
	}
	switch {
	case v.Type() == cty.String:
		s.Add(v.AsString())
	case v.Type() == cty.Number:
		s.Add(v.AsBigFloat().Text('f', -1))
	case v.CanIterateElements():
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			s.addLeaves(e)
		}
	}
}

// Merge adds every secret of o.
func (s *Secrets) Merge(o *Secrets) {
	if o == nil {
		return
	}
	o.mu.Lock()
	vals := make([]string, 0, len(o.vals))
	for k := range o.vals {
		vals = append(vals, k)
	}
	o.mu.Unlock()
	for _, v := range vals {
		s.Add(v)
	}
}

// Redact replaces every secret in text.
func (s *Secrets) Redact(text string) string {
	if s == nil || text == "" {
		return text
	}
	s.mu.Lock()
	if s.list == nil {
		for k := range s.vals {
			s.list = append(s.list, k)
		}
		sort.Slice(s.list, func(i, j int) bool { return len(s.list[i]) > len(s.list[j]) })
	}
	list := s.list
	s.mu.Unlock()
	for _, v := range list {
		if strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, Redacted)
		}
	}
	return text
}

// Contains reports whether text holds any secret.
func (s *Secrets) Contains(text string) bool { return s.Redact(text) != text }

// Has reports whether str itself was recorded as secret.
func (s *Secrets) Has(str string) bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.vals[strings.TrimSpace(str)]
	return ok
}
