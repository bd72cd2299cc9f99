package testbed

import (
	"crypto/sha256"
	"embed"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// The stand-ins the hosts install instead of NodeSource's nodejs, npm's
// openclaw and Tailscale's tailscale (the hosts have no internet).
//
//go:embed stack/node stack/npm stack/openclaw stack/tailscale
var stackFiles embed.FS

// StackRepo is a local stand-in for NodeSource's and Tailscale's signed apt
// repositories and for npm's registry, served on the slot's bridge. Its
// signing key is made with gpg for this process only.
type StackRepo struct {
	URL             string // http://<bridge>:8767
	NodeURI         string // like https://deb.nodesource.com/node_22.x (suite nodistro)
	NodeKeyURL      string // armored key, like nodesource-repo.gpg.key
	TailscaleURI    string // like https://pkgs.tailscale.com/stable/debian (suites bookworm, trixie)
	Fingerprint     string // of the key that signs both repositories
	KeyFile         string // the armored public key on the controller
	NodeVersion     string // what the nodejs stand-in's node --version prints, without the v
	OpenClawVersion string // the version the npm stand-in serves as openclaw's latest
	// OtherOpenClawVersion is a second version in the registry, to test an upgrade.
	OtherOpenClawVersion string
}

const stackPort = 8767

var (
	stackOnce sync.Once
	stackRepo *StackRepo
	stackErr  error
)

// Stack builds (once per process) and serves the stand-in repositories.
func (tb *Testbed) Stack(t testing.TB) *StackRepo {
	t.Helper()
	stackOnce.Do(func() { stackRepo, stackErr = tb.buildStack() })
	if stackErr != nil {
		t.Fatalf("stand-in repositories: %v", stackErr)
	}
	return stackRepo
}

func (tb *Testbed) buildStack() (*StackRepo, error) {
	for _, tool := range []string{"gpg", "dpkg-deb", "dpkg-scanpackages", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("the stand-in repositories need %s", tool)
		}
	}
	base := fmt.Sprintf("http://%s:%d", tb.Gateway(), stackPort)
	r := &StackRepo{
		URL: base, NodeURI: base + "/node_22.x", NodeKeyURL: base + "/gpgkey/nodesource-repo.gpg.key",
		TailscaleURI: base + "/tailscale/debian", NodeVersion: "22.12.0",
		OpenClawVersion: "2026.6.11", OtherOpenClawVersion: "2026.7.1",
	}
	dir := filepath.Join(tb.Dir, "stack")
	os.RemoveAll(dir)
	gnupg := filepath.Join(dir, "gnupg")
	if err := os.MkdirAll(gnupg, 0o700); err != nil {
		return nil, err
	}
	gpg := func(args ...string) (string, error) {
		cmd := exec.Command("gpg", append([]string{"--homedir", gnupg, "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("gpg %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out), nil
	}
	if _, err := gpg("--quick-gen-key", "clawrun testbed repository <repo@clawrun.invalid>", "ed25519", "sign", "never"); err != nil {
		return nil, err
	}
	cols, err := gpg("--with-colons", "--list-keys")
	if err != nil {
		return nil, err
	}
	for _, l := range strings.Split(cols, "\n") {
		if f := strings.Split(l, ":"); len(f) > 9 && f[0] == "fpr" {
			r.Fingerprint = f[9]
			break
		}
	}
	if r.Fingerprint == "" {
		return nil, fmt.Errorf("no fingerprint in gpg's listing:\n%s", cols)
	}
	r.KeyFile = filepath.Join(dir, "gpgkey", "nodesource-repo.gpg.key")
	os.MkdirAll(filepath.Dir(r.KeyFile), 0o755)
	if _, err := gpg("--armor", "--output", r.KeyFile, "--export", r.Fingerprint); err != nil {
		return nil, err
	}

	// Packages: nodejs (node, npm) and tailscale (tailscale, tailscaled).
	debs := filepath.Join(dir, "debs")
	npm := strings.ReplaceAll(mustRead("stack/npm"), "@REGISTRY@", base+"/npm")
	node := strings.ReplaceAll(mustRead("stack/node"), "@NODEVERSION@", r.NodeVersion)
	if err := buildDeb(debs, "nodejs", r.NodeVersion+"-1nodesource1", map[string]string{
		"usr/bin/node": node, "usr/bin/npm": npm,
	}); err != nil {
		return nil, err
	}
	if err := buildDeb(debs, "tailscale", "1.76.1", map[string]string{
		"usr/bin/tailscale":                     mustRead("stack/tailscale"),
		"usr/sbin/tailscaled":                   "#!/bin/sh\n# tailscaled stand-in of the clawrun testbed\nexec sleep infinity\n",
		"lib/systemd/system/tailscaled.service": "[Unit]\nDescription=Tailscale node agent (clawrun testbed stand-in)\n\n[Service]\nExecStart=/usr/sbin/tailscaled\n\n[Install]\nWantedBy=multi-user.target\n",
	}); err != nil {
		return nil, err
	}
	arch := map[string]string{"amd64": "amd64", "arm64": "arm64"}[runtime.GOARCH]
	if err := aptRepo(filepath.Join(dir, "node_22.x"), []string{"nodistro"}, arch, filepath.Join(debs, "nodejs.deb"), gpg); err != nil {
		return nil, err
	}
	tsDir := filepath.Join(dir, "tailscale", "debian")
	if err := aptRepo(tsDir, []string{"bookworm", "trixie"}, arch, filepath.Join(debs, "tailscale.deb"), gpg); err != nil {
		return nil, err
	}
	for _, suite := range []string{"bookworm", "trixie"} {
		if _, err := gpg("--output", filepath.Join(tsDir, suite+".noarmor.gpg"), "--export", r.Fingerprint); err != nil {
			return nil, err
		}
	}

	// npm's registry: <name>/<name>-<version>.tgz and <name>/latest.
	reg := filepath.Join(dir, "npm", "openclaw")
	for _, v := range []string{r.OpenClawVersion, r.OtherOpenClawVersion} {
		pkg := filepath.Join(dir, "build", "openclaw-"+v, "package")
		os.MkdirAll(filepath.Join(pkg, "bin"), 0o755)
		os.WriteFile(filepath.Join(pkg, "package.json"), []byte(fmt.Sprintf("{\"name\": \"openclaw\", \"version\": %q, \"bin\": {\"openclaw\": \"bin/openclaw\"}}\n", v)), 0o644)
		os.WriteFile(filepath.Join(pkg, "bin", "openclaw"), []byte(strings.ReplaceAll(mustRead("stack/openclaw"), "@VERSION@", v)), 0o755)
		os.MkdirAll(reg, 0o755)
		if out, err := exec.Command("tar", "czf", filepath.Join(reg, "openclaw-"+v+".tgz"), "--owner=0", "--group=0", "-C", filepath.Dir(pkg), "package").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("tar: %v\n%s", err, out)
		}
	}
	os.WriteFile(filepath.Join(reg, "latest"), []byte(r.OpenClawVersion), 0o644)

	ln, err := net.Listen("tcp", fmt.Sprintf("%s:%d", tb.Gateway(), stackPort))
	if err != nil {
		return nil, fmt.Errorf("serve the stand-in repositories: %w", err)
	}
	go (&http.Server{Handler: http.FileServer(http.Dir(dir))}).Serve(ln)
	return r, nil
}

func mustRead(name string) string {
	b, err := stackFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// buildDeb writes dir/<name>.deb holding files (every one executable but
// the units), owned by root.
func buildDeb(dir, name, version string, files map[string]string) error {
	root := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Join(root, "DEBIAN"), 0o755); err != nil {
		return err
	}
	control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: clawrun testbed <repo@clawrun.invalid>\nDepends: python3\nDescription: clawrun testbed stand-in for %s\n", name, version, name)
	if err := os.WriteFile(filepath.Join(root, "DEBIAN", "control"), []byte(control), 0o644); err != nil {
		return err
	}
	for p, content := range files {
		mode := os.FileMode(0o755)
		if strings.HasSuffix(p, ".service") {
			mode = 0o644
		}
		os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755)
		if err := os.WriteFile(filepath.Join(root, p), []byte(content), mode); err != nil {
			return err
		}
	}
	if out, err := exec.Command("dpkg-deb", "--root-owner-group", "--build", root, filepath.Join(dir, name+".deb")).CombinedOutput(); err != nil {
		return fmt.Errorf("dpkg-deb %s: %v\n%s", name, err, out)
	}
	return nil
}

// aptRepo lays out a signed repository at dir with one package in
// component main of each suite: pool/, dists/<suite>/{Release,InRelease}.
func aptRepo(dir string, suites []string, arch, deb string, gpg func(...string) (string, error)) error {
	pool := filepath.Join(dir, "pool", "main")
	os.MkdirAll(pool, 0o755)
	b, err := os.ReadFile(deb)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(pool, filepath.Base(deb)), b, 0o644); err != nil {
		return err
	}
	cmd := exec.Command("dpkg-scanpackages", "--multiversion", "pool")
	cmd.Dir = dir
	pkgs, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("dpkg-scanpackages: %v", err)
	}
	for _, suite := range suites {
		d := filepath.Join(dir, "dists", suite)
		rel := "main/binary-" + arch + "/Packages"
		os.MkdirAll(filepath.Join(d, filepath.Dir(rel)), 0o755)
		if err := os.WriteFile(filepath.Join(d, rel), pkgs, 0o644); err != nil {
			return err
		}
		release := fmt.Sprintf("Origin: clawrun testbed\nLabel: clawrun testbed\nSuite: %s\nCodename: %s\nDate: %s\nArchitectures: %s\nComponents: main\nSHA256:\n %x %d %s\n",
			suite, suite, time.Now().UTC().Format(time.RFC1123), arch, sha256.Sum256(pkgs), len(pkgs), rel)
		if err := os.WriteFile(filepath.Join(d, "Release"), []byte(release), 0o644); err != nil {
			return err
		}
		if _, err := gpg("--clearsign", "--output", filepath.Join(d, "InRelease"), filepath.Join(d, "Release")); err != nil {
			return err
		}
	}
	return nil
}
