package modules_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/modules"
)

// TestAptRepositoryOtherEntry: a vendor script's leftover entry for the
// same URI and suite with another Signed-By makes apt refuse every list:
// plan fails naming the file, unless an earlier task removes it.
func TestAptRepositoryOtherEntry(t *testing.T) {
	a := aptKey(t, "a.fpr")
	mod, diags := loadRepoTask(t, repoTask(`name = "r"
uris = ["https://example.com/debian/"]
suites = ["stable"]
components = ["main"]
key_file = "a.asc"
fingerprint = "`+a+`"`))
	if diags != "" {
		t.Fatal(diags)
	}
	other := func(path, content string) string {
		b64 := base64.StdEncoding.EncodeToString
		return "@others\nother " + b64([]byte(path)) + " " + b64([]byte(content)) + "\n"
	}
	const list = "/etc/apt/sources.list.d/r-vendor.list"
	for _, c := range []struct {
		name, others string
		host         *modules.Host
		want         string
	}{
		{"legacy .list, other keyring", other(list, "deb [arch=amd64 signed-by=/usr/share/keyrings/r.gpg] https://example.com/debian stable main\n"), &modules.Host{}, list + " configures the same repository"},
		{"deb822, no Signed-By", other("/etc/apt/sources.list.d/v.sources", "Types: deb\nURIs: https://example.com/debian\nSuites: stable\nComponents: main\n"), &modules.Host{}, "v.sources configures the same repository"},
		{"other suite", other(list, "deb [signed-by=/usr/share/keyrings/r.gpg] https://example.com/debian testing main\n"), &modules.Host{}, ""},
		{"removed by an earlier task", other(list, "deb [signed-by=/usr/share/keyrings/r.gpg] https://example.com/debian stable main\n"),
			&modules.Host{Pending: map[string]*modules.FileState{list: {Absent: true, Known: true}}}, ""},
		{"commented out", other(list, "# deb [signed-by=/usr/share/keyrings/r.gpg] https://example.com/debian stable main\n"), &modules.Host{}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := mod.Plan(c.host, repoProbe(nil, nil, "")+c.others)
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}
