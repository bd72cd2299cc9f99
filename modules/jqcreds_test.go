package modules

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestJQEditHidesNestedCredentials: a change whose old or new value is an
// object or array prints every value under a credential-like key inside it
// as (sensitive value), at any depth, on both sides; arrays of the same
// length are described element by element.
func TestJQEditHidesNestedCredentials(t *testing.T) {
	cases := []struct {
		name, doc, expr string
		shown           []string
		secrets         []string
	}{
		{"reviewer scenario",
			`{"gateway":{"auth":{"mode":"token","token":"oldtokenZZZ999888"}},"channels":{"telegram":{"botToken":"123:TGSECRETabc"}},"models":[{"apiKey":"sk-OLDAPIKEY","name":"x"}]}`,
			`.channels = "off" | .gateway.auth = null | .models[0].name = "y"`,
			[]string{
				`~ .channels: {"telegram":{"botToken":"(sensitive value)"}} → "off"`,
				`~ .gateway.auth: {"mode":"token","token":"(sensitive value)"} → null`,
				`~ .models[0].name: "x" → "y"`,
			},
			[]string{"oldtokenZZZ999888", "TGSECRETabc", "sk-OLDAPIKEY"}},
		{"nested arrays",
			`{"g":[[{"clientSecret":"CSEC1"}],[{"privateKey":"PK2","x":[{"accessToken":"AT3"}]}]]}`,
			`.g = [1]`,
			[]string{`~ .g: [[{"clientSecret":"(sensitive value)"}],[{"privateKey":"(sensitive value)","x":[{"accessToken":"(sensitive value)"}]}]] → [1]`},
			[]string{"CSEC1", "PK2", "AT3"}},
		{"nested arrays element by element",
			`{"g":[[{"name":"a","clientSecret":"C1x"}]]}`, `.g[0][0].name = "b" | .g[0][0].clientSecret = "C2x"`,
			[]string{`~ .g[0][0].name: "a" → "b"`, `~ .g[0][0].clientSecret: (sensitive value)`},
			[]string{"C1x", "C2x"}},
		{"truncated value stays redacted",
			`{"m":{"pad":"` + strings.Repeat("p", 100) + `","token":"TRUNC77"}}`, `.m = 0`,
			[]string{`~ .m: {"pad":"` + strings.Repeat("p", 100) + `","token"... → 0`},
			[]string{"TRUNC77"}},
		{"new array holding credentials",
			`{}`, `.list = [{"api_key":"NEWAK","name":"n"}]`,
			[]string{`+ .list: [{"api_key":"(sensitive value)","name":"n"}]`},
			[]string{"NEWAK"}},
		{"value under a credential-like parent",
			`{"secrets":{"db":"DBPW1"}}`, `.secrets.db = "DBPW2"`,
			[]string{`~ .secrets.db: (sensitive value)`},
			[]string{"DBPW1", "DBPW2"}},
		{"element of a credential-like array",
			`{"tokens":["T1abc","T2abc"]}`, `.tokens[0] = "T3abc"`,
			[]string{`~ .tokens[0]: (sensitive value)`},
			[]string{"T1abc", "T2abc", "T3abc"}},
		{"auth header and passwd",
			`{"h":[{"Authorization":"Bearer AUTHX","X-Api-Key":"XAK9","passwd":"PWD9","name":"keep"}]}`,
			`.h = "none"`,
			[]string{`~ .h: [{"Authorization":"(sensitive value)","X-Api-Key":"(sensitive value)","name":"keep","passwd":"(sensitive value)"}] → "none"`},
			[]string{"AUTHX", "XAK9", "PWD9"}},
		{"array resized shows as a whole",
			`{"models":[{"name":"a","apiKey":"sk-A"}]}`, `.models += [{"name":"b"}]`,
			[]string{`~ .models: [{"apiKey":"(sensitive value)","name":"a"}] → [{"apiKey":"(sensitive value)","name":"a"},{"name":"b"}]`},
			[]string{"sk-A"}},
		{"plain values show",
			`{"a":{"b":[1,2]}}`, `.a.b[1] = 3 | .c = {"d":true}`,
			[]string{`~ .a.b[1]: 2 → 3`, `+ .c.d: true`},
			nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := &JQEdit{Path: "/x.json", Expression: c.expr}
			if d := j.Check(Attrs{}); d.HasErrors() {
				t.Fatal(d)
			}
			probe := "type=file\nmode=644\nowner=root\ngroup=root\nsha256=" + sha([]byte(c.doc)) + "\ncontent=" + base64.StdEncoding.EncodeToString([]byte(c.doc)) + "\n"
			p, err := j.Plan(&Host{}, probe)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range c.shown {
				if !strings.Contains(p.Diff, s+"\n") {
					t.Errorf("diff lacks %q:\n%s", s, p.Diff)
				}
			}
			for _, s := range c.secrets {
				if strings.Contains(p.Diff, s) {
					t.Errorf("diff shows %q:\n%s", s, p.Diff)
				}
			}
		})
	}
}
