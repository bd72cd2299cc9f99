package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// Issue 16: apt_repository on real hosts, against signed repositories the
// testbed serves (testbed.SignedRepo): a throwaway gpg key, packages built
// with dpkg-deb, InRelease clearsigned.

const (
	repoSources = "/etc/apt/sources.list.d/clawrun-test.sources"
	repoKeyring = "/etc/apt/keyrings/clawrun-test.gpg"
	repoStamp   = "/var/lib/clawrun/apt-update-needed"
)

// testRepos builds two repositories with their own keys: one has
// clawrun-testpkg, the other clawrun-testpkg2 (which only it has).
func testRepos(t *testing.T, tb *testbed.Testbed) (one, two *testbed.SignedRepo) {
	t.Helper()
	one = tb.SignedRepo(t, testbed.RepoSpec{Name: "clawrun-test", Packages: []testbed.Package{
		{Name: "clawrun-testpkg", Version: "1.2", Files: map[string]string{"/usr/bin/clawrun-testpkg": "#!/bin/sh\necho testpkg 1.2\n"}}}})
	two = tb.SignedRepo(t, testbed.RepoSpec{Name: "clawrun-test2", Packages: []testbed.Package{
		{Name: "clawrun-testpkg2", Version: "2.0", Files: map[string]string{"/usr/bin/clawrun-testpkg2": "#!/bin/sh\necho testpkg2\n"}}}})
	return one, two
}

// repoPlaybook writes a playbook with one repository task and an apt task
// after it, and copies the repositories' keys beside it.
func repoPlaybook(t *testing.T, repos ...*testbed.SignedRepo) string {
	t.Helper()
	dir := t.TempDir()
	for i, r := range repos {
		b, err := os.ReadFile(r.KeyFile)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("key%d.asc", i+1)), b, 0o644)
	}
	pb := `
variable "uri" { type = string }
variable "fingerprint" { type = string }
variable "key_file" {
  type    = string
  default = "key1.asc"
}
variable "key_url" {
  type    = string
  default = ""
}
variable "package" {
  type    = string
  default = "clawrun-testpkg"
}
variable "components" {
  type    = list(string)
  default = ["main"]
}
variable "state" {
  type    = string
  default = "present"
}
variable "install" {
  type    = bool
  default = true
}

task "apt_repository" "test" {
  name          = "clawrun-test"
  uris          = [var.uri]
  suites        = ["stable"]
  components    = var.components
  architectures = ["amd64"]
  key_file      = var.key_url == "" ? var.key_file : null
  key_url       = var.key_url == "" ? null : var.key_url
  fingerprint   = var.fingerprint
  state         = var.state
}

task "file" "between" {
  path    = "/etc/clawrun-aptrepo-test"
  content = "a task between the repository and the install\n"
}

task "apt" "pkg" {
  packages = [var.package]
  when     = var.state == "present" && var.install
}
`
	p := filepath.Join(dir, "repo.hcl")
	if err := os.WriteFile(p, []byte(pb), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func cleanupRepo(t *testing.T, tb *testbed.Testbed, hosts ...string) {
	t.Helper()
	script := fmt.Sprintf("rm -f %s %s %s /etc/clawrun-aptrepo-test; DEBIAN_FRONTEND=noninteractive dpkg -P clawrun-testpkg clawrun-testpkg2 >/dev/null 2>&1; apt-get update -qq >/dev/null 2>&1; true", repoSources, repoKeyring, repoStamp)
	for _, h := range hosts {
		tb.MustSSH(t, h, script)
	}
	cleanupHosts(t, tb, script, hosts...)
}

// TestAptRepositoryGoodKey: a fresh host's plan shows the deb822 file, the
// key by fingerprint and the install of a package only the new repository
// has; apply writes both files (0644, root, binary keyring) and installs
// it in a later task of the same run; a rerun changes nothing.
func TestAptRepositoryGoodKey(t *testing.T) {
	tb := testbed.Get(t)
	aptRepositoryGoodKey(t, tb, "h1")
}

// TestAptRepositoryDebian13: the same on Debian 13 (apt 3).
func TestAptRepositoryDebian13(t *testing.T) {
	tb := testbed.Get(t).OnTrixie(t)
	aptRepositoryGoodKey(t, tb, tb.Hosts[0])
}

func aptRepositoryGoodKey(t *testing.T, tb *testbed.Testbed, h string) {
	t.Helper()
	one, _ := testRepos(t, tb)
	cleanupRepo(t, tb, h)
	pb := repoPlaybook(t, one)
	vars := []string{"--limit", h, "--var", "uri=" + one.URL, "--var", "fingerprint=" + one.Fingerprint}

	plan := clawrun(t, "testdata", nil, append([]string{"plan", pb, "-i", tb.Inventory, "--format", "json"}, vars...)...)
	if plan.Code != 0 {
		t.Fatalf("plan exit %d\n%s%s", plan.Code, plan.Stdout, plan.Stderr)
	}
	evs := events(t, plan.Stdout)
	lines := planLines(evs, h, "apt_repository.test")
	spaced := strings.Join(splitEvery(one.Fingerprint, 4), " ")
	if !strings.Contains(lines, "+ key clawrun-test: "+spaced+" (new") || !strings.Contains(lines, "+ apt source clawrun-test") {
		t.Errorf("plan of the repository does not show the key by fingerprint and the source:\n%s", lines)
	}
	for _, e := range evs {
		if e.Task == "apt_repository.test" && (!strings.Contains(e.Diff, "+Signed-By: "+repoKeyring) || !strings.Contains(e.Diff, "+URIs: "+one.URL)) {
			t.Errorf("plan does not show the deb822 file as a diff:\n%s", e.Diff)
		}
	}
	if apt := planLines(evs, h, "apt.pkg"); !strings.Contains(apt, "~ update package lists (an apt repository changed)") || !strings.Contains(apt, "+ clawrun-testpkg") {
		t.Errorf("plan of the later apt task does not update the lists and install:\n%s", apt)
	}

	converge(t, tb, pb, vars...)
	expect(t, h, tb.MustSSH(t, h, "stat -c '%a %U %G' "+repoSources+" "+repoKeyring), "644 root root\n644 root root")
	expect(t, h, tb.MustSSH(t, h, "grep -c '^Signed-By: "+repoKeyring+"$' "+repoSources), "1")
	// Dearmored: binary OpenPGP (a public-key packet), not "-----BEGIN".
	if head := tb.MustSSH(t, h, "head -c 5 "+repoKeyring+" | od -An -c"); strings.Contains(head, "-") {
		t.Errorf("the keyring is armored, want binary: %s", head)
	}
	expect(t, h, tb.MustSSH(t, h, "clawrun-testpkg; test -e "+repoStamp+" && echo stamp left || echo no stamp"), "testpkg 1.2\nno stamp")
	expect(t, h, tb.MustSSH(t, h, "grep -rl clawrun /etc/apt/trusted.gpg.d/ /etc/apt/trusted.gpg 2>/dev/null | wc -l"), "0")
}

// TestAptRepositoryWrongFingerprint: a key whose fingerprint is not the
// declared one fails before any host is contacted (key_file), or at the
// task (key_url, fetched on the host), and nothing is written.
func TestAptRepositoryWrongFingerprint(t *testing.T) {
	tb := testbed.Get(t)
	one, two := testRepos(t, tb)
	cleanupRepo(t, tb, "h2")
	pb := repoPlaybook(t, one)
	for _, c := range []struct {
		name, want string
		vars       []string
	}{
		{"key_file", "Key does not match its fingerprint", []string{"--var", "fingerprint=" + two.Fingerprint}},
		{"key_url", "the key fetched from " + one.KeyURL + " does not match its fingerprint", []string{"--var", "fingerprint=" + two.Fingerprint, "--var", "key_url=" + one.KeyURL}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, cmd := range []string{"plan", "apply"} {
				r := clawrun(t, "testdata", nil, append([]string{cmd, pb, "-i", tb.Inventory, "--limit", "h2", "--var", "uri=" + one.URL}, c.vars...)...)
				if r.Code != 1 || !strings.Contains(r.Stdout+r.Stderr, c.want) || !strings.Contains(r.Stdout+r.Stderr, one.Fingerprint) {
					t.Errorf("%s with a wrong fingerprint: exit %d, want 1 and %q naming the key's fingerprint\n%s%s", cmd, r.Code, c.want, r.Stdout, r.Stderr)
				}
			}
			expect(t, "h2", tb.MustSSH(t, "h2", fmt.Sprintf("for f in %s %s %s /etc/clawrun-aptrepo-test; do test -e $f && echo $f; done; true", repoSources, repoKeyring, repoStamp)), "")
		})
	}
}

// TestAptRepositoryChangedAndAbsent: another URI and key show as a diff and
// a fingerprint change, apply updates the lists (the package only the new
// repository has installs); absent removes both files; a repository
// signed by another key than the declared one fails at apt-get update.
func TestAptRepositoryChangedAndAbsent(t *testing.T) {
	tb := testbed.Get(t)
	one, two := testRepos(t, tb)
	cleanupRepo(t, tb, "h3")
	pb := repoPlaybook(t, one, two)
	run := func(cmd string, vars ...string) result {
		return clawrun(t, "testdata", nil, append([]string{cmd, pb, "-i", tb.Inventory, "--limit", "h3", "--format", "json"}, vars...)...)
	}
	first := []string{"--var", "uri=" + one.URL, "--var", "fingerprint=" + one.Fingerprint}
	if r := run("apply", first...); r.Code != 0 {
		t.Fatalf("first apply: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}

	// key_url, same fingerprint: the keyring holds the key, so nothing is
	// fetched (a URL that does not exist is not asked) or changed.
	if r := run("apply", append(first, "--var", "key_url="+one.URL+"/no-such-key.asc")...); r.Code != 0 || recap(t, events(t, r.Stdout))["h3"].Changed != 0 {
		t.Errorf("key_url for the key the keyring holds: exit %d, want 0 and no change\n%s%s", r.Code, r.Stdout, r.Stderr)
	}

	second := []string{"--var", "uri=" + two.URL, "--var", "fingerprint=" + two.Fingerprint, "--var", "key_file=key2.asc", "--var", "package=clawrun-testpkg2"}
	plan := run("plan", second...)
	if plan.Code != 0 {
		t.Fatalf("plan of the changed repository: exit %d\n%s%s", plan.Code, plan.Stdout, plan.Stderr)
	}
	evs := events(t, plan.Stdout)
	lines := planLines(evs, "h3", "apt_repository.test")
	if !strings.Contains(lines, "~ key clawrun-test: "+strings.Join(splitEvery(one.Fingerprint, 4), " ")+" -> ") || !strings.Contains(lines, "~ apt source clawrun-test") {
		t.Errorf("plan of the changed repository:\n%s", lines)
	}
	for _, e := range evs {
		if e.Task == "apt_repository.test" && (!strings.Contains(e.Diff, "-URIs: "+one.URL) || !strings.Contains(e.Diff, "+URIs: "+two.URL)) {
			t.Errorf("plan does not show the URI change as a diff:\n%s", e.Diff)
		}
	}
	if r := run("apply", second...); r.Code != 0 {
		t.Fatalf("apply of the changed repository: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h3", tb.MustSSH(t, "h3", "clawrun-testpkg2"), "testpkg2")
	if r := run("plan", append(second, "--detailed-exitcode")...); r.Code != 0 {
		t.Errorf("plan after the change: exit %d, want 0\n%s", r.Code, r.Stdout)
	}

	// The declared key is not the one the repository is signed with: apt's
	// own check refuses it, the task fails, the stamp stays for next time.
	wrong := []string{"--var", "uri=" + two.URL, "--var", "fingerprint=" + one.Fingerprint, "--var", "key_file=key1.asc", "--var", "package=clawrun-testpkg2", "--var", `components=["main","contrib"]`}
	if r := run("apply", wrong...); r.Code != 1 || !strings.Contains(r.Stdout, "apt.pkg") || !strings.Contains(r.Stdout, "NO_PUBKEY") || !strings.Contains(r.Stdout, "failed after an apt_repository change") {
		t.Errorf("a repository signed by another key: exit %d, want 1 with apt's NO_PUBKEY at apt.pkg\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h3", tb.MustSSH(t, "h3", "test -e "+repoStamp+" && echo stamp"), "stamp")

	absent := append(first, "--var", "state=absent")
	plan = run("plan", absent...)
	if lines := planLines(events(t, plan.Stdout), "h3", "apt_repository.test"); plan.Code != 0 || !strings.Contains(lines, "- apt source clawrun-test") || !strings.Contains(lines, "- key clawrun-test: "+strings.Join(splitEvery(one.Fingerprint, 4), " ")) {
		t.Errorf("plan of absent: exit %d\n%s\n%s", plan.Code, lines, plan.Stderr)
	}
	if r := run("apply", absent...); r.Code != 0 {
		t.Fatalf("apply absent: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h3", tb.MustSSH(t, "h3", fmt.Sprintf("for f in %s %s; do test -e $f && echo $f; done; true", repoSources, repoKeyring)), "")
	if r := run("plan", append(absent, "--detailed-exitcode")...); r.Code != 0 {
		t.Errorf("plan after absent: exit %d, want 0\n%s", r.Code, r.Stdout)
	}
}

// TestAptRepositoryUpdateInLaterRun: a run that changes the repository
// but does not get to the install (here: skipped; a failure alike) leaves
// the stamp, and the next run's apt task updates the lists first; through
// a saved plan, whose steps apply recomputes after the repository's steps.
func TestAptRepositoryUpdateInLaterRun(t *testing.T) {
	tb := testbed.Get(t)
	one, _ := testRepos(t, tb)
	cleanupRepo(t, tb, "h2")
	pb := repoPlaybook(t, one)
	vars := []string{"-i", tb.Inventory, "--limit", "h2", "--var", "uri=" + one.URL, "--var", "fingerprint=" + one.Fingerprint}
	if r := clawrun(t, "testdata", nil, append([]string{"apply", pb, "--var", "install=false"}, vars...)...); r.Code != 0 {
		t.Fatalf("apply without the install: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h2", tb.MustSSH(t, "h2", "test -e "+repoStamp+" && echo stamp"), "stamp")
	planFile := filepath.Join(t.TempDir(), "plan.json")
	env := []string{"CLAWRUN_PLAN_KEY=aptrepo-test-plan-key-0123456789"}
	plan := clawrun(t, "testdata", env, append([]string{"plan", pb, "--format", "json", "--out", planFile}, vars...)...)
	if apt := planLines(events(t, plan.Stdout), "h2", "apt.pkg"); plan.Code != 0 || !strings.Contains(apt, "~ update package lists (an apt repository changed)") || !strings.Contains(apt, "+ clawrun-testpkg") {
		t.Fatalf("plan of the next run: exit %d, want the update and the install\n%s%s", plan.Code, apt, plan.Stderr)
	}
	if r := clawrun(t, "testdata", env, "apply", planFile); r.Code != 0 {
		t.Fatalf("apply of the saved plan: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h2", tb.MustSSH(t, "h2", "clawrun-testpkg; test -e "+repoStamp+" && echo stamp left || true"), "testpkg 1.2")

	// A fresh host through a saved plan: the apt task is planned from the
	// repository task's pending write, applied after re-probing the stamp.
	tb.MustSSH(t, "h2", fmt.Sprintf("rm -f %s %s %s; dpkg -P clawrun-testpkg >/dev/null; apt-get update -qq >/dev/null 2>&1; true", repoSources, repoKeyring, repoStamp))
	if r := clawrun(t, "testdata", env, append([]string{"plan", pb, "--out", planFile}, vars...)...); r.Code != 0 {
		t.Fatalf("plan --out on a fresh host: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if r := clawrun(t, "testdata", env, "apply", planFile); r.Code != 0 {
		t.Fatalf("apply of the saved plan on a fresh host: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h2", tb.MustSSH(t, "h2", "clawrun-testpkg"), "testpkg 1.2")
}

// TestAptRepositoryKeyURL: key_url on a fresh host, fetched by the host
// (the testbed hosts have neither curl nor wget: apt's apt-helper).
func TestAptRepositoryKeyURL(t *testing.T) {
	tb := testbed.Get(t)
	one, _ := testRepos(t, tb)
	cleanupRepo(t, tb, "h2")
	pb := repoPlaybook(t, one)
	converge(t, tb, pb, "--limit", "h2", "--var", "uri="+one.URL, "--var", "fingerprint="+one.Fingerprint, "--var", "key_url="+one.KeyURL)
	expect(t, "h2", tb.MustSSH(t, "h2", "clawrun-testpkg"), "testpkg 1.2")
}

func splitEvery(s string, n int) []string {
	var out []string
	for i := 0; i < len(s); i += n {
		out = append(out, s[i:min(i+n, len(s))])
	}
	return out
}
