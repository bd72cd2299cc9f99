package transport

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"

	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
)

var knownHostsMu sync.Mutex

// knownHostsDBs keeps the parsed known_hosts of a run: the hosts of an
// inventory share one file, and parsing it once per host made a run's
// cost grow with the square of its hosts. A database is keyed by its
// files' size and modification time, so a key recorded by
// --accept-new-host-keys (or any other change) is read again.
var knownHostsDBs sync.Map // key -> *knownhosts.HostKeyDB

func loadKnownHosts(paths []string) (*knownhosts.HostKeyDB, error) {
	var key strings.Builder
	for _, p := range paths {
		fmt.Fprintf(&key, "%q", p)
		if st, err := os.Stat(p); err == nil {
			var ino uint64
			if sys, ok := st.Sys().(*syscall.Stat_t); ok {
				ino = sys.Ino
			}
			fmt.Fprintf(&key, " %d %d %d;", st.Size(), st.ModTime().UnixNano(), ino)
		}
	}
	if db, ok := knownHostsDBs.Load(key.String()); ok {
		return db.(*knownhosts.HostKeyDB), nil
	}
	db, err := knownhosts.NewDB(paths...)
	if err != nil {
		return nil, err
	}
	knownHostsDBs.Store(key.String(), db)
	return db, nil
}

// hostKeyCallback verifies against known_hosts; unknown keys are refused
// unless accept-new is set (then recorded), changed keys always.
func hostKeyCallback(path string, acceptNew bool, extra ...string) (ssh.HostKeyCallback, *knownhosts.HostKeyDB, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if !acceptNew {
			return nil, nil, fmt.Errorf("known_hosts file %s does not exist; create it with ssh-keyscan, or pass --accept-new-host-keys to trust hosts on first use", path)
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("create known_hosts: %w", err)
		}
		f.Close()
	}
	db, err := loadKnownHosts(append([]string{path}, extra...))
	if err != nil {
		return nil, nil, fmt.Errorf("read known_hosts: %w", err)
	}
	inner := db.HostKeyCallback()
	verify := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := inner(hostname, remote, key)
		switch {
		case err == nil:
			return nil
		case knownhosts.IsHostKeyChanged(err):
			return fmt.Errorf("HOST KEY CHANGED for %s: the %s key offered does not match %s; this may be an attack, and clawrun never accepts a changed key (remove the old entry with ssh-keygen -R if the change is expected): %w",
				hostname, key.Type(), path, err)
		case knownhosts.IsHostUnknown(err):
			if !acceptNew {
				return fmt.Errorf("host key for %s is unknown: add it with `%s >> %s` after checking its fingerprint (%s), or pass --accept-new-host-keys",
					hostname, keyscanLine(hostname), path, ssh.FingerprintSHA256(key))
			}
			knownHostsMu.Lock()
			defer knownHostsMu.Unlock()
			f, ferr := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600)
			if ferr != nil {
				return fmt.Errorf("record host key: %w", ferr)
			}
			defer f.Close()
			return knownhosts.WriteKnownHost(f, hostname, remote, key)
		default:
			return err
		}
	}
	// Typed, so that a refused key is never retried.
	cb := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		if err := verify(hostname, remote, key); err != nil {
			return &hostKeyError{err}
		}
		return nil
	}
	return cb, db, nil
}
