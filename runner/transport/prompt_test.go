package transport

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// TestPassphrasePrompt: an encrypted key asks on the terminal until the
// passphrase is right, then never again for that file.
func TestPassphrasePrompt(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("right-one"))
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(block)
	answers := []string{"wrong", "right-one"}
	var asked []string
	o := DialOptions{Prompt: func(p string) (string, error) {
		asked = append(asked, p)
		a := answers[0]
		answers = answers[1:]
		return a, nil
	}}
	if _, err := parseEncryptedKey("/k/test", keyPEM, o); err != nil {
		t.Fatal(err)
	}
	if _, err := parseEncryptedKey("/k/test", keyPEM, o); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 2 || !strings.Contains(asked[0], "/k/test") {
		t.Errorf("asked %q, want two prompts naming the file", asked)
	}
	if _, err := parseEncryptedKey("/k/other", keyPEM, DialOptions{}); err == nil || !strings.Contains(err.Error(), "CLAWRUN_KEY_PASSPHRASE") {
		t.Errorf("without a terminal: %v", err)
	}
}
