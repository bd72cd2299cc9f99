package transport

import (
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
)

// TestKnownHostsParsedOncePerVersion: hosts sharing a known_hosts file
// share one parsed database (a run was O(hosts²) in parsing), and a
// change to the file, such as a key recorded by --accept-new-host-keys,
// is read again.
func TestKnownHostsParsedOncePerVersion(t *testing.T) {
	key := func() ssh.PublicKey {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		k, err := ssh.NewPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k1, k2 := key(), key()
	path := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(path, []byte(knownhosts.Line([]string{"[127.0.0.1]:2222"}, k1)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := loadKnownHosts([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := loadKnownHosts([]string{path})
	if a != b {
		t.Error("the same known_hosts file was parsed twice")
	}
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 2222}
	if err := a.HostKeyCallback()("127.0.0.2:2222", remote, k2); !knownhosts.IsHostUnknown(err) {
		t.Fatalf("127.0.0.2 before it was recorded: %v, want unknown", err)
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600)
	if err := knownhosts.WriteKnownHost(f, "127.0.0.2:2222", remote, k2); err != nil {
		t.Fatal(err)
	}
	f.Close()
	c, err := loadKnownHosts([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.HostKeyCallback()("127.0.0.2:2222", remote, k2); err != nil {
		t.Errorf("a key appended to known_hosts is not seen: %v", err)
	}
}
