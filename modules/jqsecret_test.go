package modules

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// TestJQEditHidesDerivedSecrets: every path whose new value depends on a
// sensitive argument is hidden on both sides, whatever jq did to it
// (@base64, @uri, length); paths that do not depend on it show.
func TestJQEditHidesDerivedSecrets(t *testing.T) {
	const secret = "tok/en secret-4c1d"
	old := `{"bind":"lan","b64":"b2xkLXZhbHVl","uri":"old-uri-77","n":3,"nested":{"x":"old-x-88"}}`
	cases := []struct {
		name, expr string
		shown      []string
		hidden     []string
	}{
		{"base64 and uri", `.bind = "loopback" | .b64 = ($t | @base64) | .uri = ($t | @uri)`,
			[]string{`~ .bind: "lan" → "loopback"`}, []string{"b2xkLXZhbHVl", "old-uri-77", base64.StdEncoding.EncodeToString([]byte(secret)), "tok%2Fen"}},
		{"length", `.n = ($t | length)`, nil, []string{"~ .n: (sensitive value)"}},
		{"object built from it", `.nested = {x: ($t | ascii_downcase)}`, nil, []string{"old-x-88", "TOK"}},
		{"independent of it", `.bind = "loopback"`, []string{`~ .bind: "lan" → "loopback"`}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := &JQEdit{Path: "/x.json", Expression: c.expr, Args: map[string]cty.Value{"t": cty.StringVal(secret)}}
			if d := j.Check(Attrs{"args.t": {Sensitive: true}}); d.HasErrors() {
				t.Fatal(d)
			}
			probe := "type=file\nmode=644\nowner=root\ngroup=root\nsha256=" + sha([]byte(old)) + "\ncontent=" + base64.StdEncoding.EncodeToString([]byte(old)) + "\n"
			p, err := j.Plan(&Host{}, probe)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range c.shown {
				if !strings.Contains(p.Diff, s) {
					t.Errorf("diff lacks %q:\n%s", s, p.Diff)
				}
			}
			for _, s := range append(c.hidden, secret) {
				if strings.HasPrefix(s, "~ ") {
					if !strings.Contains(p.Diff, s) {
						t.Errorf("diff lacks %q:\n%s", s, p.Diff)
					}
					continue
				}
				if strings.Contains(p.Diff, s) {
					t.Errorf("diff shows %q:\n%s", s, p.Diff)
				}
			}
		})
	}
}
