package testbed

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Signed apt repositories for tests of apt_repository and of playbooks
// that install vendor packages (nodejs, tailscale stand-ins): a throwaway
// OpenPGP key made with gpg, packages built with dpkg-deb, a dists/ layout
// with Release and InRelease (clearsigned), served by the testbed's HTTP
// server at http://<gateway>:8765/signed/<name>/. Each repository lives in
// the slot's state folder (<Dir>/signed/<name>), so whichever test binary
// serves the slot serves it too, and `testbed.sh down` removes it.
//
// To add packages, pass more Package values (or prebuilt .deb files in
// Debs); a repository whose spec changed is built again, with a new key.

// Package is a tiny Debian package to build.
type Package struct {
	Name    string
	Version string // default "1.0"
	Depends string // Depends: field, optional
	// Files maps absolute paths in the package to their content; a path
	// under /usr/bin or /usr/local/bin is made executable (0755).
	Files map[string]string
}

// RepoSpec describes a signed repository.
type RepoSpec struct {
	Name     string    // folder and URL path: /signed/<Name>/
	Suite    string    // default "stable"
	Packages []Package // built with dpkg-deb
	Debs     []string  // prebuilt .deb files to include as they are
}

// SignedRepo is a built repository.
type SignedRepo struct {
	URL         string // http://<gateway>:8765/signed/<name>
	Suite       string
	Component   string // "main"
	KeyFile     string // armored public key on the controller (also served at URL + "/key.asc")
	KeyURL      string // URL + "/key.asc"
	Fingerprint string // the key's primary fingerprint, 40 hex digits
}

// SignedRepo builds (or reuses, when its spec is unchanged) a signed
// repository and returns where it is served. It fails the test when gpg
// or dpkg-deb are missing or fail.
func (tb *Testbed) SignedRepo(t testing.TB, spec RepoSpec) *SignedRepo {
	t.Helper()
	r, err := tb.buildSignedRepo(spec)
	if err != nil {
		t.Fatalf("signed repository %s: %v", spec.Name, err)
	}
	return r
}

func (tb *Testbed) buildSignedRepo(spec RepoSpec) (*SignedRepo, error) {
	if spec.Suite == "" {
		spec.Suite = "stable"
	}
	if spec.Name == "" || strings.ContainsAny(spec.Name, "/. ") {
		return nil, fmt.Errorf("invalid repository name %q", spec.Name)
	}
	root := filepath.Join(tb.Dir, "signed")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	// Test binaries of one slot may build at once: one lock per slot.
	lock, err := os.OpenFile(filepath.Join(root, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, err
	}
	dir := filepath.Join(root, spec.Name)
	want, _ := json.Marshal(spec)
	r := &SignedRepo{URL: fmt.Sprintf("http://%s:8765/signed/%s", tb.Gateway(), spec.Name), Suite: spec.Suite, Component: "main",
		KeyFile: filepath.Join(dir, "key.asc")}
	r.KeyURL = r.URL + "/key.asc"
	if got, err := os.ReadFile(filepath.Join(dir, ".spec")); err == nil && string(got) == string(want) {
		fp, err := os.ReadFile(filepath.Join(dir, ".fingerprint"))
		if err == nil && len(fp) > 0 {
			r.Fingerprint = strings.TrimSpace(string(fp))
			return r, nil
		}
	}
	if err := buildRepo(dir, spec); err != nil {
		return nil, err
	}
	fp, err := os.ReadFile(filepath.Join(dir, ".fingerprint"))
	if err != nil {
		return nil, err
	}
	r.Fingerprint = strings.TrimSpace(string(fp))
	return r, os.WriteFile(filepath.Join(dir, ".spec"), want, 0o644)
}

func buildRepo(dir string, spec RepoSpec) error {
	for _, tool := range []string{"gpg", "dpkg-deb", "dpkg-scanpackages"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("needs %s (apt-get install gnupg dpkg-dev)", tool)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	pool := filepath.Join(dir, "pool")
	if err := os.MkdirAll(pool, 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "clawrun-signedrepo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	for _, p := range spec.Packages {
		if err := buildDeb(work, pool, p); err != nil {
			return err
		}
	}
	for _, d := range spec.Debs {
		b, err := os.ReadFile(d)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(pool, filepath.Base(d)), b, 0o644); err != nil {
			return err
		}
	}
	bin := filepath.Join(dir, "dists", spec.Suite, "main", "binary-amd64")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	cmd := exec.Command("dpkg-scanpackages", "--multiversion", "pool", "/dev/null")
	cmd.Dir = dir
	pkgs, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("dpkg-scanpackages: %w", err)
	}
	if err := os.WriteFile(filepath.Join(bin, "Packages"), pkgs, 0o644); err != nil {
		return err
	}
	if err := writeGzip(filepath.Join(bin, "Packages.gz"), pkgs); err != nil {
		return err
	}
	if err := writeRelease(filepath.Join(dir, "dists", spec.Suite), spec.Suite); err != nil {
		return err
	}
	return signRepo(work, dir, spec)
}

func buildDeb(work, pool string, p Package) error {
	if p.Version == "" {
		p.Version = "1.0"
	}
	root := filepath.Join(work, p.Name)
	if err := os.MkdirAll(filepath.Join(root, "DEBIAN"), 0o755); err != nil {
		return err
	}
	ctl := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: clawrun tests <tests@example.invalid>\nDescription: clawrun test package %s\n", p.Name, p.Version, p.Name)
	if p.Depends != "" {
		ctl += "Depends: " + p.Depends + "\n"
	}
	if err := os.WriteFile(filepath.Join(root, "DEBIAN", "control"), []byte(ctl), 0o644); err != nil {
		return err
	}
	for path, content := range p.Files {
		full := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if strings.Contains(path, "/bin/") {
			mode = 0o755
		}
		if err := os.WriteFile(full, []byte(content), mode); err != nil {
			return err
		}
	}
	out := filepath.Join(pool, fmt.Sprintf("%s_%s_all.deb", p.Name, p.Version))
	if b, err := exec.Command("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", root, out).CombinedOutput(); err != nil {
		return fmt.Errorf("dpkg-deb %s: %v\n%s", p.Name, err, b)
	}
	return nil
}

func writeGzip(path string, b []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	z := gzip.NewWriter(f)
	z.Write(b)
	if err := z.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeRelease writes dists/<suite>/Release with the SHA256 of every index.
func writeRelease(dist, suite string) error {
	var files []string
	filepath.Walk(dist, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(dist, p)
			files = append(files, rel)
		}
		return nil
	})
	sort.Strings(files)
	var b strings.Builder
	fmt.Fprintf(&b, "Origin: clawrun-tests\nLabel: clawrun-tests\nSuite: %s\nCodename: %s\nDate: %s\nArchitectures: amd64\nComponents: main\nSHA256:\n",
		suite, suite, time.Now().UTC().Add(-time.Hour).Format(time.RFC1123Z))
	for _, f := range files {
		c, err := os.ReadFile(filepath.Join(dist, f))
		if err != nil {
			return err
		}
		s := sha256.Sum256(c)
		fmt.Fprintf(&b, " %s %d %s\n", hex.EncodeToString(s[:]), len(c), f)
	}
	return os.WriteFile(filepath.Join(dist, "Release"), []byte(b.String()), 0o644)
}

// signRepo makes a throwaway key (no passphrase, temporary GNUPGHOME),
// clearsigns Release into InRelease, signs Release.gpg, and exports the
// armored public key and its fingerprint.
func signRepo(work, dir string, spec RepoSpec) error {
	home := filepath.Join(work, "gnupg")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	// gpg starts an agent for the home; end it with the home.
	defer exec.Command("gpgconf", "--homedir", home, "--kill", "gpg-agent").Run()
	gpg := func(args ...string) ([]byte, error) {
		cmd := exec.Command("gpg", append([]string{"--batch", "--quiet", "--homedir", home, "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...)
		out, err := cmd.Output()
		if err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				return nil, fmt.Errorf("gpg %s: %v\n%s", args[0], err, ee.Stderr)
			}
			return nil, fmt.Errorf("gpg %s: %w", args[0], err)
		}
		return out, nil
	}
	uid := fmt.Sprintf("clawrun test repository %s <%s@example.invalid>", spec.Name, spec.Name)
	if _, err := gpg("--quick-gen-key", uid, "ed25519", "sign", "never"); err != nil {
		return err
	}
	cols, err := gpg("--with-colons", "--list-keys", uid)
	if err != nil {
		return err
	}
	fp := ""
	for _, l := range strings.Split(string(cols), "\n") {
		if f := strings.Split(l, ":"); len(f) > 9 && f[0] == "fpr" {
			fp = f[9]
			break
		}
	}
	if fp == "" {
		return fmt.Errorf("gpg printed no fingerprint")
	}
	dist := filepath.Join(dir, "dists", spec.Suite)
	if _, err := gpg("--local-user", fp, "--digest-algo", "SHA256", "--clearsign", "-o", filepath.Join(dist, "InRelease"), filepath.Join(dist, "Release")); err != nil {
		return err
	}
	if _, err := gpg("--local-user", fp, "--digest-algo", "SHA256", "-abs", "-o", filepath.Join(dist, "Release.gpg"), filepath.Join(dist, "Release")); err != nil {
		return err
	}
	pub, err := gpg("--armor", "--export", fp)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "key.asc"), pub, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ".fingerprint"), []byte(fp+"\n"), 0o644)
}
