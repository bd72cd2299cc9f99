package planfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/transport"
	"github.com/zclconf/go-cty/cty"
)

func testPlan(t *testing.T, key string) (*File, string) {
	t.Helper()
	pb := &playbooks.Playbook{File: "pb.hcl", Source: []byte("task {}")}
	pf := New(pb, "inv.hcl", []byte("host {}"), map[string]cty.Value{"motd": cty.StringVal("hi")}, "", nil, nil, []byte(key))
	pf.ForHost("h1").Tasks["file.motd"] = &Task{Status: "changed", Probe: pf.digest("probe"), Steps: pf.digest("steps")}
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := pf.Save(path, &playbooks.Secrets{}); err != nil {
		t.Fatal(err)
	}
	return pf, path
}

// TestPlanFileMAC: a saved plan loads with its key; any edit, another key
// or a file without a MAC is refused.
func TestPlanFileMAC(t *testing.T) {
	const key = "0123456789abcdef0123"
	_, path := testPlan(t, key)
	b, _ := os.ReadFile(path)
	if !IsPlan(b) {
		t.Fatal("a saved plan is not recognised as one")
	}
	pf, err := Load(path, b, []byte(key))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if pf.Hosts["h1"].Tasks["file.motd"].Status != "changed" || pf.Vars["motd"] != `"hi"` {
		t.Errorf("loaded plan differs: %+v", pf.Hosts["h1"])
	}
	cases := []struct {
		name string
		file string
		key  string
		want string
	}{
		{"caveat added", strings.Replace(string(b), `"status": "changed",`, `"status": "changed", "caveat": "x",`, 1), key, "failed its authentication check"},
		{"variable changed", strings.Replace(string(b), `"\"hi\""`, `"\"evil\""`, 1), key, "failed its authentication check"},
		{"whitespace added", strings.Replace(string(b), `"created"`, ` "created"`, 1), key, "failed its authentication check"},
		{"mac replaced", strings.Replace(string(b), `"hmac_sha256": "`, `"hmac_sha256": "0`, 1), key, "failed its authentication check"},
		{"another key", string(b), "fedcba9876543210fedc", "failed its authentication check"},
		{"old format without a MAC", `{"clawrun_plan": 1, "hosts": {}}`, key, "has format 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.file == string(b) && c.key == key {
				t.Fatal("case changes nothing")
			}
			_, err := Load(path, []byte(c.file), []byte(c.key))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// TestPlanDigestsKeyed: digests depend on the key, so a guess at a
// low-entropy secret in probed content cannot be checked without it.
func TestPlanDigestsKeyed(t *testing.T) {
	a, _ := testPlan(t, "key-aaaaaaaaaaaaaaaa")
	b, _ := testPlan(t, "key-bbbbbbbbbbbbbbbb")
	p := transport.ProbeResult{Out: "content=cGFzc3dvcmQ=\n"}
	if a.ProbeDigest(&modules.File{}, p) == b.ProbeDigest(&modules.File{}, p) {
		t.Error("probe digests do not depend on the key")
	}
	if a.PlaybookMAC == b.PlaybookMAC {
		t.Error("playbook digests do not depend on the key")
	}
}

// TestStepsDigest: a secret drawn anew at apply digests as at plan, in
// embedded and in staged content; other content changes the digest.
func TestStepsDigest(t *testing.T) {
	pf, _ := testPlan(t, "key-cccccccccccccccc")
	step := func(content string) *modules.Plan {
		f := &modules.File{Path: "/etc/x"}
		f.SetContent([]byte(content))
		p, err := f.Plan(&modules.Host{}, "type=absent\n")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	big := strings.Repeat("x", modules.StageThreshold+1)
	secretsA, secretsB := &playbooks.Secrets{}, &playbooks.Secrets{}
	secretsA.Add("token-aaaaaaaaaaaa")
	secretsB.Add("token-bbbbbbbbbbbb")
	for _, c := range []struct {
		name   string
		prefix string
	}{{"embedded", ""}, {"staged", big}} {
		t.Run(c.name, func(t *testing.T) {
			pa := step(c.prefix + "T=token-aaaaaaaaaaaa\n")
			if staged := pa.Steps[0].Upload != nil; staged != (c.prefix != "") {
				t.Fatalf("staged = %v", staged)
			}
			at := pf.StepsDigest(pa, secretsA)
			bt := pf.StepsDigest(step(c.prefix+"T=token-bbbbbbbbbbbb\n"), secretsB)
			other := pf.StepsDigest(step(c.prefix+"T=token-bbbbbbbbbbbb\nmore\n"), secretsB)
			if at != bt {
				t.Error("a new value of the same secret changes the digest")
			}
			if other == bt {
				t.Error("other content digests the same")
			}
		})
	}
}

// TestFixedVarsSkipSensitive: a sensitive variable is never taken from
// the plan file, even if one is in it.
func TestFixedVarsSkipSensitive(t *testing.T) {
	pf := &File{Vars: map[string]string{"token": `"evil"`, "motd": `"hi"`}}
	pb := &playbooks.Playbook{Variables: []*playbooks.Variable{{Name: "token", Type: cty.String, Sensitive: true}, {Name: "motd", Type: cty.String}}}
	got, err := pf.FixedVars(pb)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["token"]; ok || got["motd"].AsString() != "hi" {
		t.Errorf("fixed vars = %#v", got)
	}
}

// TestReplayedSensitiveRefused: a random value supplied by the file that
// becomes sensitive is refused.
func TestReplayedSensitiveRefused(t *testing.T) {
	v := "abcdef0123456789"
	pf := &File{Hosts: map[string]*Host{"h1": {Random: []*string{&v}}}}
	var given []string
	if got := pf.Replayer("h1", &given, &playbooks.Secrets{})(len(v)); got != v {
		t.Fatalf("replayed %q", got)
	}
	s := &playbooks.Secrets{}
	if err := ReplayedSensitive(given, s); err != nil {
		t.Errorf("non-sensitive replay refused: %v", err)
	}
	s.Add(v)
	if err := ReplayedSensitive(given, s); err == nil {
		t.Error("a replayed value that is sensitive was accepted")
	}
}

// TestPlanKey: CLAWRUN_PLAN_KEY wins and must be long; else a 0600 key
// file is created on first use and refused when others can read it.
func TestPlanKey(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	t.Setenv("CLAWRUN_PLAN_KEY", "short")
	if _, err := Key(true); err == nil {
		t.Error("a short CLAWRUN_PLAN_KEY was accepted")
	}
	t.Setenv("CLAWRUN_PLAN_KEY", "")
	if _, err := Key(false); err == nil || !strings.Contains(err.Error(), "no plan key") {
		t.Errorf("apply without a key: %v", err)
	}
	k1, err := Key(true)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "clawrun", "plan.key")
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", err, st)
	}
	if k2, _ := Key(true); string(k2) != string(k1) {
		t.Error("the key changed on second use")
	}
	os.Chmod(path, 0o644)
	if _, err := Key(false); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("readable key file: %v", err)
	}
}
