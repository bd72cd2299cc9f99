package playbooks

import (
	"encoding/base64"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestSecretEncodingsRedacted: a secret is redacted in the forms it takes
// on its way out: escaped in quoted strings, base64, percent-encoded.
func TestSecretEncodingsRedacted(t *testing.T) {
	const secret = `s3cr"et\path/with space&more`
	s := &Secrets{}
	s.Add(secret)
	q := strconv.Quote(secret)
	for name, form := range map[string]string{
		"plain":        secret,
		"go quoted":    q,
		"json escaped": `"s3cr\"et\\path/with space\u0026more"`,
		"base64":       base64.StdEncoding.EncodeToString([]byte(secret)),
		"base64 url":   base64.RawURLEncoding.EncodeToString([]byte(secret)),
		"query":        url.QueryEscape(secret),
		"jq @uri":      "s3cr%22et%5Cpath%2Fwith%20space%26more",
	} {
		if got := s.Redact("x " + form + " y"); strings.Contains(got, form[1:len(form)-1]) {
			t.Errorf("%s form printed: %s", name, got)
		}
	}
}

// TestSensitiveSources: for_each over a sensitive value is refused; env()
// results are sensitive and clawrun's credentials unreadable; file() of a
// file others cannot read is sensitive.
func TestSensitiveSources(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "public.txt", "public content\n")
	os.WriteFile(dir+"/private.txt", []byte("private-key-material\n"), 0o600)
	t.Setenv("CLAWRUN_SECP_TEST", "env-secret-value")
	cases := []struct {
		name, body, diag, secret string
	}{
		{"for_each over a sensitive set", `task "file" "x" {
  for_each = toset([var.token])
  path     = "/tmp/${each.key}"
  content  = ""
}`, "Sensitive value in for_each", ""},
		{"for_each over a sensitive map", `task "file" "x" {
  for_each = var.tokens
  path     = "/tmp/${each.key}"
  content  = ""
}`, "Sensitive value in for_each", ""},
		{"env() is sensitive", `task "file" "x" {
  path    = "/tmp/x"
  content = env("CLAWRUN_SECP_TEST")
}`, "", "env-secret-value"},
		{"env() of a credential", `task "file" "x" {
  path    = "/tmp/x"
  content = env("CLAWRUN_BECOME_PASSWORD")
}`, "clawrun's own credential", ""},
		{"file() others cannot read", `task "file" "x" {
  path    = "/tmp/x"
  content = file("private.txt")
}`, "", "private-key-material"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pbPath := write(t, dir, "p"+strconv.Itoa(i)+".hcl", `variable "token" {
  type      = string
  sensitive = true
  default   = "tok-123456"
}
variable "tokens" {
  type      = map(string)
  sensitive = true
  default   = { a = "tok-abcdef" }
}
`+c.body+"\n")
			pb, diags := Load(pbPath)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			vars, _ := pb.ResolveVars(Inputs{}, false)
			s := &Secrets{}
			d := pb.Check(vars, []CheckHost{{Name: "h1"}}, s)
			if c.diag != "" {
				if !strings.Contains(d.Error(), c.diag) {
					t.Errorf("diagnostics %v, want %q", d, c.diag)
				}
				return
			}
			if d.HasErrors() {
				t.Fatal(d)
			}
			if !s.Has(c.secret) || s.Redact("public content") != "public content" {
				t.Errorf("%q not recorded as secret, or public content redacted", c.secret)
			}
		})
	}
}
