package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestAptRepositoryLegacyEntry: a vendor script's leftover .list entry for
// the same repository with another Signed-By would break apt for the whole
// host: plan and apply fail naming it, and nothing is written.
func TestAptRepositoryLegacyEntry(t *testing.T) {
	tb := testbed.Get(t)
	one, _ := testRepos(t, tb)
	h := tb.Hosts[0]
	const legacy = "/etc/apt/sources.list.d/clawrun-vendor.list"
	cleanupRepo(t, tb, h)
	cleanupHosts(t, tb, "rm -f "+legacy, h)
	tb.MustSSH(t, h, fmt.Sprintf("echo 'deb [signed-by=/usr/share/keyrings/clawrun-vendor.gpg] %s/ stable main' > %s", one.URL, legacy))
	pb := repoPlaybook(t, one)
	for _, cmd := range []string{"plan", "apply"} {
		r := clawrun(t, "testdata", nil, cmd, pb, "-i", tb.Inventory, "--limit", h, "--var", "uri="+one.URL, "--var", "fingerprint="+one.Fingerprint)
		if r.Code != 1 || !strings.Contains(r.Stdout+r.Stderr, legacy+" configures the same repository") {
			t.Errorf("%s with a legacy entry: exit %d\n%s%s", cmd, r.Code, r.Stdout, r.Stderr)
		}
	}
	expect(t, h, tb.MustSSH(t, h, fmt.Sprintf("for f in %s %s %s; do test -e $f && echo $f; done; true", repoSources, repoKeyring, repoStamp)), "")
}
