package transport

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync"

	"golang.org/x/crypto/ssh"
)

// passphrases caches what the operator typed per key file, so that a run
// over many hosts asks once; promptMu keeps prompts from interleaving.
var (
	promptMu    sync.Mutex
	passphrases = map[string][]byte{}
)

// parseEncryptedKey decrypts an encrypted private key with the
// CLAWRUN_KEY_PASSPHRASE value, else by asking on the terminal (once per
// file) when the command line set a prompt.
func parseEncryptedKey(file string, pem []byte, o DialOptions) (ssh.Signer, error) {
	if o.Passphrase != "" {
		return ssh.ParsePrivateKeyWithPassphrase(pem, []byte(o.Passphrase))
	}
	if o.Prompt == nil {
		return nil, fmt.Errorf("identity file %s is encrypted: set CLAWRUN_KEY_PASSPHRASE, or run on a terminal to be asked", file)
	}
	promptMu.Lock()
	defer promptMu.Unlock()
	if pp, ok := passphrases[file]; ok {
		return ssh.ParsePrivateKeyWithPassphrase(pem, pp)
	}
	for try := 0; try < 3; try++ {
		pp, err := o.Prompt(fmt.Sprintf("Enter passphrase for key %s: ", file))
		if err != nil {
			return nil, fmt.Errorf("read passphrase for %s: %w", file, err)
		}
		signer, err := ssh.ParsePrivateKeyWithPassphrase(pem, []byte(pp))
		if err == nil {
			passphrases[file] = []byte(pp)
			return signer, nil
		}
		if !errors.Is(err, x509.IncorrectPasswordError) {
			return nil, fmt.Errorf("parse identity file %s: %w", file, err)
		}
		fmt.Fprintln(os.Stderr, "clawrun: wrong passphrase, try again")
	}
	return nil, fmt.Errorf("identity file %s: wrong passphrase three times", file)
}
