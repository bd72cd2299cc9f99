package planfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// minPlanKey is the shortest CLAWRUN_PLAN_KEY accepted.
const minPlanKey = 16

// keyFile is where the plan key lives when CLAWRUN_PLAN_KEY is not set.
func keyFile() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("plan key: %w (set CLAWRUN_PLAN_KEY)", err)
	}
	return filepath.Join(dir, "clawrun", "plan.key"), nil
}

func keyFileHint() string {
	if p, err := keyFile(); err == nil {
		return p
	}
	return "the user's config dir"
}

// Key returns the key that authenticates saved plans: CLAWRUN_PLAN_KEY
// (CI, where plan and apply run on different machines), else a random key
// in a 0600 file under the user's config dir, created on first use when
// create is set (plan --out). A key file others can read is refused.
func Key(create bool) ([]byte, error) {
	if k := os.Getenv("CLAWRUN_PLAN_KEY"); k != "" {
		if len(k) < minPlanKey {
			return nil, fmt.Errorf("CLAWRUN_PLAN_KEY is shorter than %d characters: use e.g. the output of `openssl rand -hex 32`", minPlanKey)
		}
		return []byte(k), nil
	}
	path, err := keyFile()
	if err != nil {
		return nil, err
	}
	if create {
		if err := createKey(path); err != nil {
			return nil, err
		}
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no plan key at %s: a saved plan is applied where it was made, or with the same CLAWRUN_PLAN_KEY", path)
	}
	if err != nil {
		return nil, fmt.Errorf("plan key: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("plan key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("plan key %s is readable or writable by others (mode %v): chmod 600 it, or remove it to make a new one (older plans then fail)", path, st.Mode().Perm())
	}
	b := make([]byte, 256)
	n, _ := f.Read(b)
	k := strings.TrimSpace(string(b[:n]))
	if len(k) < minPlanKey {
		return nil, fmt.Errorf("plan key %s is too short: remove it to make a new one", path)
	}
	return []byte(k), nil
}

// KeyValue is the plan key if one is set or exists, else "": it is
// added to the redaction set, so that no output (e.g. a delegate = "local"
// task probing the key file) shows it.
func KeyValue() string {
	k, err := Key(false)
	if err != nil {
		return ""
	}
	return string(k)
}

// createKey writes a new random key unless one exists (O_EXCL: a
// concurrent plan's key wins).
func createKey(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("plan key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("plan key: %w", err)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("plan key: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(b) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("plan key: %w", err)
	}
	return nil
}
