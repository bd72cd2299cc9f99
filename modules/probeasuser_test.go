package modules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProbeReadsAsFolderOwner: below a folder a non-root user controls,
// file content is read with that user's rights, so the user's symlink
// (~/.ssh -> a root-only folder) shows nothing in a plan; the user's own
// files are still read.
func TestProbeReadsAsFolderOwner(t *testing.T) {
	root, uid := hostileTree(t)
	home, outside := filepath.Join(root, "home"), filepath.Join(root, "outside")
	os.WriteFile(filepath.Join(outside, "keys"), []byte("ROOT-ONLY-SECRET\n"), 0o600)
	os.Symlink(outside, filepath.Join(home, ".ssh"))
	os.Lchown(filepath.Join(home, ".ssh"), uid, -1)
	own := filepath.Join(home, "own")
	os.WriteFile(own, []byte("mine\n"), 0o600)
	os.Chown(own, uid, -1)
	secret := filepath.Join(home, ".ssh", "keys")
	specs := []FileSpec{{Path: secret}, {Path: own}}
	out, err := runSh(t, BatchFileProbe(specs))
	if err != nil {
		t.Fatal(err, out)
	}
	if strings.Contains(out, "Uk9PVC1PTkxZLVNFQ1JFVA") { // base64 of the secret
		t.Fatalf("the probe read root's file through the user's symlink:\n%s", out)
	}
	got, err := SplitFileProbe(specs, out)
	if err != nil {
		t.Fatal(err)
	}
	l := &LineInFile{Path: secret, Line: "x"}
	if _, err := l.Plan(&Host{}, got[secret]); err == nil || !strings.Contains(err.Error(), "cannot be read as nobody, who owns "+home) {
		t.Errorf("want a refusal naming nobody and %s, got %v", home, err)
	}
	if st, err := parseFileProbe(got[own]); err != nil || string(st.Content) != "mine\n" {
		t.Errorf("the user's own file: %+v %v", st, err)
	}
	// The single-path probe as well.
	out1, _ := runSh(t, fileProbe(secret, ""))
	if st, err := parseFileProbe(out1); err != nil || st.HasContent || !st.ContentDenied {
		t.Errorf("fileProbe: %+v %v\n%s", st, err, out1)
	}
}

// TestUserProbeNeverReadsLinkedKeys: ~/.ssh/authorized_keys -> a root-only
// file is reported as a link, never read; ~/.ssh -> a root-only folder is
// read as the user, and fails the task.
func TestUserProbeNeverReadsLinkedKeys(t *testing.T) {
	root, uid := hostileTree(t)
	home, outside := filepath.Join(root, "home"), filepath.Join(root, "outside")
	os.WriteFile(filepath.Join(outside, "shadow"), []byte("root:SECRETHASH:1::::::\n"), 0o600)
	os.WriteFile(filepath.Join(outside, "authorized_keys"), []byte("ssh-ed25519 ROOTKEY root\n"), 0o600)
	u := &User{Name: "nobody", AuthorizedKeys: &[]string{"ssh-ed25519 AAAA x"}}
	probe := func() string {
		out, err := runSh(t, readFunc+"h="+Quote(home)+"\n"+u.keysProbe()+"\n")
		if err != nil {
			t.Fatal(err, out)
		}
		return "passwd=nobody:x:65534:65534::" + home + ":/bin/sh\ngroups=\n" + out
	}
	os.Mkdir(filepath.Join(home, ".ssh"), 0o700)
	os.Chown(filepath.Join(home, ".ssh"), uid, -1)
	os.Symlink(filepath.Join(outside, "shadow"), filepath.Join(home, ".ssh", "authorized_keys"))
	out := probe()
	p, err := u.Plan(&Host{}, out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "cm9vdDpTRUNSRVRIQVNI") || strings.Contains(p.Diff, "SECRETHASH") {
		t.Fatalf("read through the link:\n%s\n%s", out, p.Diff)
	}
	if len(p.Lines) != 1 || !strings.Contains(p.Lines[0].Text, "replaces a symlink") {
		t.Errorf("changes: %+v", p.Lines)
	}
	os.RemoveAll(filepath.Join(home, ".ssh"))
	os.Symlink(outside, filepath.Join(home, ".ssh"))
	os.Lchown(filepath.Join(home, ".ssh"), uid, -1)
	out = probe()
	if strings.Contains(out, "Uk9PVEtFWQ") {
		t.Fatalf("read root's keys through ~/.ssh:\n%s", out)
	}
	if _, err := u.Plan(&Host{}, out); err == nil || !strings.Contains(err.Error(), "cannot be read as nobody") {
		t.Errorf("want a refusal naming nobody, got %v", err)
	}
}

// TestBatchContentBudget: past the batch's content budget a file gets no
// content but a deferred mark (the runner probes it alone), never output
// past what the controller keeps; the module says so if it ever plans
// from it.
func TestBatchContentBudget(t *testing.T) {
	dir := t.TempDir()
	var specs []FileSpec
	size := BatchContentBudget/3 + 1 // three do not fit
	for _, n := range []string{"a", "b", "c"} {
		p := filepath.Join(dir, n)
		os.WriteFile(p, []byte(strings.Repeat("0123456789abcde\n", size/16+1)), 0o644)
		specs = append(specs, FileSpec{Path: p})
	}
	out, err := runSh(t, BatchFileProbe(specs))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) > 2*BatchContentBudget {
		t.Errorf("output of %d bytes past the budget", len(out))
	}
	got, err := SplitFileProbe(specs, out)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range specs {
		if d := ContentDeferred(got[s.Path]); d != (i == 2) {
			t.Errorf("%s: deferred %v", s.Path, d)
		}
	}
	_, err = (&LineInFile{Path: specs[2].Path, Line: "x"}).Plan(&Host{}, got[specs[2].Path])
	if err == nil || !strings.Contains(err.Error(), "was not read") {
		t.Errorf("want a clear error, got %v", err)
	}
	// Records from the host: D and O once per probed path.
	for name, rec := range map[string]string{"O twice": "O\t0\nO\t0\n", "D unrequested": "D\t3\n"} {
		if _, err := SplitFileProbe(specs, rec); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestProbeReadsLinkTargetAsFolderOwner: a link in a root-only folder,
// reached through the user's symlink, does not show its target.
func TestProbeReadsLinkTargetAsFolderOwner(t *testing.T) {
	root, uid := hostileTree(t)
	home, private := filepath.Join(root, "home"), filepath.Join(root, "outside", "private")
	os.Mkdir(private, 0o700)
	os.Symlink("/ROOT-ONLY-TARGET", filepath.Join(private, "lnk"))
	os.Symlink(private, filepath.Join(home, ".p"))
	os.Lchown(filepath.Join(home, ".p"), uid, -1)
	p := filepath.Join(home, ".p", "lnk")
	mine := filepath.Join(home, "mine")
	os.Symlink("/my-target", mine)
	os.Lchown(mine, uid, -1)
	specs := []FileSpec{{Path: p}, {Path: mine}}
	out, err := runSh(t, BatchFileProbe(specs))
	if err != nil {
		t.Fatal(err, out)
	}
	got, err := SplitFileProbe(specs, out)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := parseFileProbe(got[p]); strings.Contains(st.Target, "ROOT-ONLY") {
		t.Errorf("batched probe read the target as root: %+v", st)
	}
	if st, _ := parseFileProbe(got[mine]); st.Target != "/my-target" {
		t.Errorf("the user's own link: %+v", st)
	}
	out1, _ := runSh(t, fileProbe(p, ""))
	if st, _ := parseFileProbe(out1); strings.Contains(st.Target, "ROOT-ONLY") {
		t.Errorf("fileProbe read the target as root: %+v", st)
	}
}
