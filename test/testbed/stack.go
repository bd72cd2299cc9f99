package testbed

import (
	"embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The stand-ins the hosts install instead of NodeSource's nodejs, npm's
// openclaw and Tailscale's tailscale (the hosts have no internet).
//
//go:embed stack/node stack/npm stack/openclaw stack/tailscale
var stackFiles embed.FS

// StackRepo is the local stand-in for NodeSource's and Tailscale's signed
// apt repositories (SignedRepo) and for npm's registry, served on the
// slot's bridge.
type StackRepo struct {
	Node      *SignedRepo // suite nodistro: nodejs (node, npm)
	Tailscale *SignedRepo // suite bookworm: tailscale (tailscale, tailscaled)
	// Registry is the npm stand-in's registry: <name>/<name>-<version>.tgz
	// and <name>/latest.
	Registry        string
	NodeVersion     string // what node --version prints, without the v
	OpenClawVersion string // openclaw's latest in the registry
	// OtherOpenClawVersion is a second version in the registry.
	OtherOpenClawVersion string
}

// Stack builds (or reuses) the stand-in repositories and the registry.
func (tb *Testbed) Stack(t testing.TB) *StackRepo {
	t.Helper()
	r := &StackRepo{NodeVersion: "22.12.0", OpenClawVersion: "2026.6.11", OtherOpenClawVersion: "2026.7.1"}
	// Served by serveRepo with the signed repositories (/signed/).
	r.Registry = fmt.Sprintf("http://%s:8765/signed/npm", tb.Gateway())
	npm := strings.ReplaceAll(mustRead("stack/npm"), "@REGISTRY@", r.Registry)
	node := strings.ReplaceAll(mustRead("stack/node"), "@NODEVERSION@", r.NodeVersion)
	r.Node = tb.SignedRepo(t, RepoSpec{Name: "nodesource", Suite: "nodistro", Packages: []Package{{
		Name: "nodejs", Version: r.NodeVersion + "-1nodesource1", Depends: "python3",
		Files: map[string]string{"/usr/bin/node": node, "/usr/bin/npm": npm},
	}}})
	r.Tailscale = tb.SignedRepo(t, RepoSpec{Name: "tailscale", Suite: "bookworm", Packages: []Package{{
		Name: "tailscale", Version: "1.76.1", Depends: "python3",
		Files: map[string]string{
			"/usr/bin/tailscale":                     mustRead("stack/tailscale"),
			"/usr/sbin/tailscaled":                   "#!/bin/sh\n# tailscaled stand-in of the clawrun testbed\nexec sleep infinity\n",
			"/lib/systemd/system/tailscaled.service": "[Unit]\nDescription=Tailscale node agent (clawrun testbed stand-in)\n\n[Service]\nExecStart=/bin/sh /usr/sbin/tailscaled\n\n[Install]\nWantedBy=multi-user.target\n",
		},
	}}})
	if err := tb.buildRegistry(r); err != nil {
		t.Fatalf("npm registry stand-in: %v", err)
	}
	return r
}

// buildRegistry writes openclaw's tarballs (the openclaw stand-in at each
// version) where the npm stand-in fetches them.
func (tb *Testbed) buildRegistry(r *StackRepo) error {
	reg := filepath.Join(tb.Dir, "signed", "npm", "openclaw")
	work, err := os.MkdirTemp("", "clawrun-npm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if err := os.MkdirAll(reg, 0o755); err != nil {
		return err
	}
	for _, v := range []string{r.OpenClawVersion, r.OtherOpenClawVersion} {
		pkg := filepath.Join(work, v, "package")
		if err := os.MkdirAll(filepath.Join(pkg, "bin"), 0o755); err != nil {
			return err
		}
		os.WriteFile(filepath.Join(pkg, "package.json"), []byte(fmt.Sprintf("{\"name\": \"openclaw\", \"version\": %q, \"bin\": {\"openclaw\": \"bin/openclaw\"}}\n", v)), 0o644)
		if err := os.WriteFile(filepath.Join(pkg, "bin", "openclaw"), []byte(strings.ReplaceAll(mustRead("stack/openclaw"), "@VERSION@", v)), 0o755); err != nil {
			return err
		}
		if out, err := exec.Command("tar", "czf", filepath.Join(reg, "openclaw-"+v+".tgz"), "--owner=0", "--group=0", "-C", filepath.Dir(pkg), "package").CombinedOutput(); err != nil {
			return fmt.Errorf("tar: %v\n%s", err, out)
		}
	}
	return os.WriteFile(filepath.Join(reg, "latest"), []byte(r.OpenClawVersion), 0o644)
}

func mustRead(name string) string {
	b, err := stackFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}
