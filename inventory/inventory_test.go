package inventory

import (
	"os"
	"path/filepath"
	"testing"
)

const sample = `
defaults {
  user = "admin"
  port = 2222
  vars = { a = "defaults", b = "defaults", c = "defaults" }
}
group "first" {
  vars = { a = "first", b = "first" }
}
group "second" {
  vars = { a = "second" }
}
host "h1" {
  address = "10.0.0.1"
  groups  = ["second", "first"]
  vars    = { c = "host" }
}
host "h2" {
  groups = ["first"]
  port   = 22
  jump   = "bastion:22"
}
host "local" {
  connection = "local"
}
`

func load(t *testing.T, src string) *Inventory {
	t.Helper()
	p := filepath.Join(t.TempDir(), "inv.hcl")
	os.WriteFile(p, []byte(src), 0o644)
	inv, diags := Load(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return inv
}

func TestPrecedence(t *testing.T) {
	inv := load(t, sample)
	h1 := inv.Hosts[0]
	// Groups apply in file order (first, then second), whatever the host lists.
	if got := h1.Vars["a"].AsString(); got != "second" {
		t.Errorf("a = %s, want second", got)
	}
	if got := h1.Vars["b"].AsString(); got != "first" {
		t.Errorf("b = %s", got)
	}
	if got := h1.Vars["c"].AsString(); got != "host" {
		t.Errorf("c = %s", got)
	}
	if h1.Port != 2222 || h1.User != "admin" || h1.Address != "10.0.0.1" {
		t.Errorf("h1 %+v", h1)
	}
	h2 := inv.Hosts[1]
	if h2.Port != 22 || h2.Address != "h2" || h2.Jump != "bastion:22" {
		t.Errorf("h2 %+v", h2)
	}
	if inv.Hosts[2].Connection != "local" {
		t.Error("local connection lost")
	}
}

func TestSelect(t *testing.T) {
	inv := load(t, sample)
	cases := []struct {
		name     string
		patterns []string
		limit    string
		want     []string
	}{
		{name: "all", patterns: []string{"all"}, want: []string{"h1", "h2", "local"}},
		{name: "group", patterns: []string{"first"}, want: []string{"h1", "h2"}},
		{name: "limit host", patterns: []string{"all"}, limit: "h2", want: []string{"h2"}},
		{name: "exclude", patterns: []string{"all"}, limit: "first,!h1", want: []string{"h2"}},
		{name: "only exclude", patterns: []string{"all"}, limit: "!local", want: []string{"h1", "h2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hs, err := inv.Select(c.patterns, c.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hs {
				got = append(got, h.Name)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %v want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("got %v want %v", got, c.want)
				}
			}
		})
	}
	if _, err := inv.Select([]string{"all"}, "nosuch"); err == nil {
		t.Error("unknown --limit name accepted")
	}
}

func TestErrors(t *testing.T) {
	p := filepath.Join(t.TempDir(), "inv.hcl")
	os.WriteFile(p, []byte("host \"a\" {\n  adress = \"x\"\n}\nhost \"a\" {\n}\nhost \"b\" {\n  port = \"x\"\n}\n"), 0o644)
	_, diags := Load(p)
	if len(diags) < 3 {
		t.Errorf("want unknown attribute, duplicate host and wrong type: %v", diags)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add(sample)
	f.Add("host \"x\" {\n  vars = 1\n}\n")
	f.Fuzz(func(t *testing.T, src string) {
		p := filepath.Join(t.TempDir(), "inv.hcl")
		os.WriteFile(p, []byte(src), 0o644)
		if inv, diags := Load(p); inv != nil && !diags.HasErrors() {
			inv.Select([]string{"all"}, "")
		}
	})
}
