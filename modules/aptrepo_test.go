package modules_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/playbooks"
)

func aptKey(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/aptkeys", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// loadRepoTask loads a playbook of one task beside copies of the test keys
// and returns the task's module, or the diagnostics as text.
func loadRepoTask(t *testing.T, body string) (modules.Module, string) {
	t.Helper()
	dir := t.TempDir()
	for _, k := range []string{"a.asc", "a.gpg", "b.asc", "ab.asc"} {
		os.WriteFile(filepath.Join(dir, k), []byte(aptKey(t, k)+"\n"), 0o644)
	}
	b, _ := os.ReadFile("testdata/aptkeys/a.gpg")
	os.WriteFile(filepath.Join(dir, "a.gpg"), b, 0o644)
	pbFile := filepath.Join(dir, "pb.hcl")
	os.WriteFile(pbFile, []byte(body), 0o644)
	pb, diags := playbooks.Load(pbFile)
	if diags.HasErrors() {
		return nil, diags.Error()
	}
	vars, diags := pb.ResolveVars(playbooks.Inputs{}, true)
	if diags.HasErrors() {
		return nil, diags.Error()
	}
	scope, diags := pb.NewScope(vars, playbooks.HostValue("h1", "10.66.0.11", []string{"all"}, nil, &modules.Facts{OSID: "debian"}), nil, &playbooks.Secrets{})
	if diags.HasErrors() {
		return nil, diags.Error()
	}
	tasks, diags := scope.Instantiate(pb.Tasks[0])
	if diags.HasErrors() {
		return nil, diags.Error()
	}
	return tasks[0].Module, ""
}

func repoTask(attrs string) string {
	return "task \"apt_repository\" \"r\" {\n" + attrs + "\n}\n"
}

// TestAptRepositoryLoad: keys are pinned and every value is checked before
// any host is contacted, with the attribute's file:line:col.
func TestAptRepositoryLoad(t *testing.T) {
	a, b := aptKey(t, "a.fpr"), aptKey(t, "b.fpr")
	base := func(extra string) string {
		return repoTask(`name = "r"
uris = ["https://example.com/debian"]
suites = ["stable"]
components = ["main"]
` + extra)
	}
	for _, c := range []struct{ name, src, want string }{
		{"armored key", base(`key_file = "a.asc"` + "\nfingerprint = \"" + a + `"`), ""},
		{"binary key", base(`key_file = "a.gpg"` + "\nfingerprint = \"" + a + `"`), ""},
		{"spaced fingerprint", base(`key_file = "a.asc"` + "\nfingerprint = \"" + strings.ToLower(a[:4]+" "+a[4:]) + `"`), ""},
		{"wrong fingerprint", base(`key_file = "a.asc"` + "\nfingerprint = \"" + b + `"`), "pb.hcl:6,12-19: Key does not match its fingerprint; a.asc: the key's fingerprint is " + a + ", not the declared " + b},
		{"two keys", base(`key_file = "ab.asc"` + "\nfingerprint = \"" + a + `"`), "holds 2 primary keys"},
		{"short key id", base(`key_file = "a.asc"` + "\nfingerprint = \"" + a[32:] + `"`), "Invalid fingerprint"},
		{"missing key file", base(`key_file = "nope.asc"` + "\nfingerprint = \"" + a + `"`), "Cannot read source file"},
		{"no key", base("fingerprint = \"" + a + `"`), "Missing key"},
		{"both keys", base(`key_file = "a.asc"` + "\nkey_url = \"https://example.com/k.asc\"\nfingerprint = \"" + a + `"`), "Set key_file or key_url, not both"},
		{"key_url ftp", base(`key_url = "ftp://example.com/k.asc"` + "\nfingerprint = \"" + a + `"`), "Invalid key_url"},
		{"no fingerprint", base(`key_file = "a.asc"`), "Missing fingerprint"},
		{"name with slash", repoTask(`name = "../evil"` + "\nstate = \"absent\""), "Invalid repository name"},
		{"name with blank", repoTask(`name = "a b"` + "\nstate = \"absent\""), "Invalid repository name"},
		{"name with dot first", repoTask(`name = ".hidden"` + "\nstate = \"absent\""), "Invalid repository name"},
		{"uri injects a field", strings.Replace(base(`key_file = "a.asc"`+"\nfingerprint = \""+a+`"`), `debian"]`, `debian\nTrusted: yes"]`, 1), "pb.hcl:3,8-52: Invalid repository URI"},
		{"uri with a blank", strings.Replace(base(`key_file = "a.asc"`+"\nfingerprint = \""+a+`"`), `debian"]`, `debian [trusted=yes]"]`, 1), "Invalid repository URI"},
		{"uri scheme", strings.Replace(base(`key_file = "a.asc"`+"\nfingerprint = \""+a+`"`), `https://`, `gopher://`, 1), "Invalid repository URI"},
		{"suite injects", strings.Replace(base(`key_file = "a.asc"`+"\nfingerprint = \""+a+`"`), `"stable"`, `"stable\nSigned-By: /tmp/k"`, 1), "Invalid value in suites"},
		{"component with blank", strings.Replace(base(`key_file = "a.asc"`+"\nfingerprint = \""+a+`"`), `"main"`, `"main contrib"`, 1), "Invalid value in components"},
		{"architecture", base(`key_file = "a.asc"` + "\narchitectures = [\"amd64\\n\"]\nfingerprint = \"" + a + `"`), "Invalid value in architectures"},
		{"flat with components", strings.Replace(base(`key_file = "a.asc"`+"\nfingerprint = \""+a+`"`), `"stable"`, `"./"`, 1), "Components with a flat repository"},
		{"no components", strings.Replace(base(`key_file = "a.asc"`+"\nfingerprint = \""+a+`"`), `components = ["main"]`, ``, 1), "Missing components"},
		{"bad state", repoTask(`name = "r"` + "\nstate = \"gone\""), "Invalid value for state"},
		{"absent needs only name", repoTask(`name = "r"` + "\nstate = \"absent\""), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, diags := loadRepoTask(t, c.src)
			if c.want == "" {
				if diags != "" {
					t.Fatalf("unexpected diagnostics: %s", diags)
				}
				return
			}
			if !strings.Contains(diags, c.want) {
				t.Errorf("diagnostics %q do not contain %q", diags, c.want)
			}
		})
	}
}

// repoProbe is the probe output of a host whose files are as given (nil:
// absent).
func repoProbe(sources, keyring []byte, keyMode string) string {
	f := func(b []byte, mode string) string {
		if b == nil {
			return "type=absent\nparent_mode=755\n"
		}
		return "type=file\nmode=" + mode + "\nowner=root\ngroup=root\nsize=1\nsha256=" + sha(b) + "\n"
	}
	return "@sources\n" + f(sources, "644") + "@keyring\n" + f(keyring, keyMode)
}

// TestAptRepositoryPlan: fresh, unchanged, a changed file mode, and the
// apt task after a repository change updates its lists first.
func TestAptRepositoryPlan(t *testing.T) {
	a := aptKey(t, "a.fpr")
	mod, diags := loadRepoTask(t, repoTask(`name = "r"
uris = ["https://example.com/debian"]
suites = ["stable"]
components = ["main"]
key_file = "a.asc"
fingerprint = "`+a+`"`))
	if diags != "" {
		t.Fatal(diags)
	}
	h := &modules.Host{Name: "h1"}
	fresh, err := mod.Plan(h, repoProbe(nil, nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	src := fresh.Writes["/etc/apt/sources.list.d/r.sources"]
	key := fresh.Writes["/etc/apt/keyrings/r.gpg"]
	if src == nil || key == nil || fresh.Writes[modules.AptUpdateStamp] == nil {
		t.Fatalf("fresh plan writes %v", fresh.Writes)
	}
	gpg, _ := os.ReadFile("testdata/aptkeys/a.gpg")
	if string(key.Content) != string(gpg) || key.Mode != "0644" || key.Owner != "root" {
		t.Errorf("keyring is not the dearmored key, 0644, root's")
	}
	if fresh.Steps[0].Desc != "mark the package lists stale" {
		t.Errorf("the stamp is not written first: %v", fresh.Steps[0].Desc)
	}
	if strings.Contains(fresh.Diff, "BEGIN PGP") || !strings.Contains(fresh.Diff, "+Signed-By: /etc/apt/keyrings/r.gpg") {
		t.Errorf("diff:\n%s", fresh.Diff)
	}
	same, err := mod.Plan(h, repoProbe(src.Content, key.Content, "644"))
	if err != nil || same.Changed() {
		t.Errorf("unchanged host: changed=%v err=%v lines=%v", same.Changed(), err, same.Lines)
	}
	mode, err := mod.Plan(h, repoProbe(src.Content, key.Content, "600"))
	if err != nil || len(mode.Steps) != 2 || !strings.Contains(mode.Lines[0].Text, "mode 0600 -> 0644") {
		t.Errorf("keyring mode 0600: err=%v lines=%v steps=%d", err, mode.Lines, len(mode.Steps))
	}

	apt, diags := loadRepoTask(t, `task "apt" "p" { packages = ["nodejs"] }`)
	if diags != "" {
		t.Fatal(diags)
	}
	notInstalled := "sim E: Unable to locate package nodejs\n"
	for _, c := range []struct {
		name       string
		host       *modules.Host
		probe      string
		wantUpdate bool
	}{
		{"plan: an earlier task changes a repository", &modules.Host{Pending: fresh.Writes}, notInstalled, true},
		{"apply: the stamp is on the host", &modules.Host{}, "repo_changed=yes\n" + notInstalled, true},
		{"installed, stamp on the host: lists updated all the same", &modules.Host{}, "repo_changed=yes\npkg nodejs ii 22.1\n", true},
		{"no repository change", &modules.Host{}, notInstalled, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := apt.Plan(c.host, c.probe)
			if err != nil {
				t.Fatal(err)
			}
			got := len(p.Steps) > 0 && p.Steps[0].Desc == "apt-get update"
			if got != c.wantUpdate {
				t.Errorf("update first = %v, want %v (lines %v)", got, c.wantUpdate, p.Lines)
			}
			if got && (p.Writes[modules.AptUpdateStamp] == nil || !p.Writes[modules.AptUpdateStamp].Absent) {
				t.Errorf("the update does not consume the stamp")
			}
		})
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
