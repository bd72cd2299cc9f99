package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// shardInventory writes n hosts h01..hNN at unroutable documentation
// addresses (192.0.2.0/24): a test that contacted one would fail.
func shardInventory(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "host %q {\n  address = \"192.0.2.%d\"\n}\n", fmt.Sprintf("h%02d", i), i)
	}
	p := filepath.Join(t.TempDir(), "hosts.hcl")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// clawrunCLI runs the command line as a child process (the "clawrun"
// that TestMain's testscript.Main puts on PATH) and returns stdout,
// stderr and the exit code.
func clawrunCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command("clawrun", args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func shardNames(t *testing.T, inv, shard string) []string {
	t.Helper()
	out, errOut, code := clawrunCLI(t, "inventory", "-i", inv, "--shard", shard, "--format", "json")
	if code != 0 {
		t.Fatalf("inventory --shard %s: exit %d: %s", shard, code, errOut)
	}
	var doc struct {
		Hosts []struct {
			Name string `json:"name"`
		} `json:"hosts"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("inventory --shard %s: %v\n%s", shard, err, out)
	}
	var names []string
	for _, h := range doc.Hosts {
		names = append(names, h.Name)
	}
	return names
}

// TestShardPartition: for N = 1..7 every host of 50 is in exactly one
// shard, and the assignment matches the golden file (stable across runs
// and releases: CI matrices and saved plans depend on it).
func TestShardPartition(t *testing.T) {
	inv := shardInventory(t, 50)
	var golden strings.Builder
	for n := 1; n <= 7; n++ {
		owner := map[string]int{}
		for k := 1; k <= n; k++ {
			names := shardNames(t, inv, fmt.Sprintf("%d/%d", k, n))
			for _, h := range names {
				if prev, dup := owner[h]; dup {
					t.Errorf("N=%d: %s is in shard %d and in shard %d", n, h, prev, k)
				}
				owner[h] = k
			}
			fmt.Fprintf(&golden, "%d/%d: %s\n", k, n, strings.Join(names, " "))
		}
		if len(owner) != 50 {
			t.Errorf("N=%d: %d of 50 hosts are in a shard", n, len(owner))
		}
	}
	want, err := os.ReadFile("testdata/shard_golden.txt")
	if *update {
		os.WriteFile("testdata/shard_golden.txt", []byte(golden.String()), 0o644)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if golden.String() != string(want) {
		t.Errorf("shard assignment changed:\n%s\nwant (testdata/shard_golden.txt):\n%s", golden.String(), want)
	}
}

// TestShardBadSpec: a malformed or out-of-range --shard is a clear error
// before any host is contacted (the hosts are unroutable: contacting one
// would show as a connect failure, and take its timeout).
func TestShardBadSpec(t *testing.T) {
	inv := shardInventory(t, 5)
	pb := filepath.Join(t.TempDir(), "pb.hcl")
	os.WriteFile(pb, []byte("hosts = [\"all\"]\n\ntask \"file\" \"motd\" {\n  path    = \"/etc/motd\"\n  content = \"hi\\n\"\n}\n"), 0o644)
	for _, tc := range []struct{ name, shard, want string }{
		{"zero K", "0/3", "K must be 1 to 3"},
		{"K above N", "4/3", "K must be 1 to 3"},
		{"not a fraction", "x", "want K/N"},
		{"zero N", "1/0", "N must be 1 to"},
		{"negative", "-1/3", "K must be 1 to 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, args := range [][]string{
				{"plan", pb, "-i", inv, "--shard", tc.shard},
				{"apply", pb, "-i", inv, "--shard", tc.shard},
				{"inventory", "-i", inv, "--shard", tc.shard},
				{"exec", "-i", inv, "--shard", tc.shard, "--", "true"},
			} {
				out, errOut, code := clawrunCLI(t, args...)
				if code != 1 || !strings.Contains(errOut, tc.want) {
					t.Errorf("%s: exit %d, stderr %q; want exit 1 and %q", args[0], code, errOut, tc.want)
				}
				if strings.Contains(out+errOut, "192.0.2.") || strings.Contains(out+errOut, "unreachable") {
					t.Errorf("%s: a host was contacted:\n%s%s", args[0], out, errOut)
				}
			}
		})
	}
}
