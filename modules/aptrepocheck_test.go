package modules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAptRepositoryRefusals: values the reviewer got through validate.
func TestAptRepositoryRefusals(t *testing.T) {
	a := aptKey(t, "a.fpr")
	big := filepath.Join(t.TempDir(), "big.asc")
	os.WriteFile(big, make([]byte, 2<<20), 0o644)
	repo := func(name, extra string) string {
		return `variable "n" {
  type    = string
  default = ""
}
variable "tok" {
  type      = string
  sensitive = true
  default   = "https://u:secret@example.com/debian"
}
` + repoTask(`name = `+name+`
uris = ["https://example.com/debian"]
suites = ["stable"]
components = ["main"]
fingerprint = "`+a+`"
`+extra)
	}
	for _, c := range []struct{ name, src, want string }{
		{"empty name", repo(`""`, `key_file = "a.asc"`), "Invalid repository name"},
		{"empty name from a variable", repo(`var.n`, `key_file = "a.asc"`), "Invalid repository name"},
		{"key_file a device", repo(`"r"`, `key_file = "/dev/zero"`), "not a regular file"},
		{"key_file too large", repo(`"r"`, `key_file = "`+big+`"`), "larger than 1024 KiB"},
		{"sensitive uris", strings.Replace(repo(`"r"`, `key_file = "a.asc"`), `uris = ["https://example.com/debian"]`, `uris = [var.tok]`, 1), "Sensitive value in uris"},
		{"good", repo(`"r"`, `key_file = "a.asc"`), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, diags := loadRepoTask(t, c.src)
			if c.want == "" && diags != "" || !strings.Contains(diags, c.want) || strings.Contains(diags, "secret") {
				t.Errorf("diagnostics %q, want %q", diags, c.want)
			}
		})
	}
}
