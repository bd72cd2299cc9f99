package e2e

import (
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestJQEditNestedCredentialsNeverPrinted: a jq-edit that replaces objects
// and arrays holding credential-like keys (the reviewer's openclaw.json)
// prints none of their old values in text -v, JSON, markdown or apply
// --diff, and describes the array change at its deepest path.
func TestJQEditNestedCredentialsNeverPrinted(t *testing.T) {
	tb := testbed.Get(t)
	dir := t.TempDir()
	writeFile(t, dir, "pb.hcl", `task "jq-edit" "creds" {
  path       = "/etc/clawjqcreds.json"
  expression = ".channels = \"off\" | .gateway.auth = null | .models[0].name = \"y\""
}
`)
	tb.MustSSH(t, "h1", `printf '%s\n' '{"gateway":{"auth":{"mode":"token","token":"oldtokenZZZ999888"}},"channels":{"telegram":{"botToken":"123:TGSECRETabc"}},"models":[{"apiKey":"sk-OLDAPIKEY","name":"x"}]}' > /etc/clawjqcreds.json`)
	t.Cleanup(func() { tb.SSH(t, "h1", "rm -f /etc/clawjqcreds.json") })
	var out strings.Builder
	for _, args := range [][]string{
		{"plan", "pb.hcl", "-i", tb.Inventory, "--limit", "h1", "-v"},
		{"plan", "pb.hcl", "-i", tb.Inventory, "--limit", "h1", "--format", "json"},
		{"plan", "pb.hcl", "-i", tb.Inventory, "--limit", "h1", "--format", "markdown"},
		{"apply", "pb.hcl", "-i", tb.Inventory, "--limit", "h1", "--diff", "-v"},
	} {
		r := clawrun(t, dir, nil, args...)
		out.WriteString(r.Stdout + r.Stderr)
		if r.Code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, r.Code, r.Stdout, r.Stderr)
		}
	}
	if got := tb.MustSSH(t, "h1", "cat /etc/clawjqcreds.json"); !strings.Contains(got, `"name": "y"`) || !strings.Contains(got, "sk-OLDAPIKEY") {
		t.Fatalf("apply did not write the edit: %s", got)
	}
	for _, s := range []string{`.models[0].name: "x" → "y"`, `"botToken":"(sensitive value)"`, `"token":"(sensitive value)"`} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
	noLeak(t, "jq-edit", out.String(), map[string]string{"gateway token": "oldtokenZZZ999888",
		"bot token": "TGSECRETabc", "api key": "sk-OLDAPIKEY"})
}
