package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// Connect failures are classified on data (errno values, typed errors,
// what the host sent before failing), never on an error's display text,
// except x/crypto's fixed "unable to authenticate", which has no type.
type connFailure int

const (
	failOther       connFailure = iota
	failRefused                 // nothing listens (sshd restarting, or the port is wrong)
	failReset                   // the connection was reset before the handshake finished
	failPreBanner               // closed before the SSH banner (sshd busy or restarting)
	failMaxStartups             // sshd said "Exceeded MaxStartups"
	failNoLogin                 // PAM refused: pam_nologin, the host is still booting
	failDNS                     // the name does not resolve
	failUnreachable             // no route to the host or network
	failTimeout                 // nothing answered in time
	failAuth                    // credentials refused
	failHostKey                 // host key unknown or changed
)

// retryable failures are those of a host that is restarting sshd,
// rebooting or still booting: they usually clear within seconds.
func (f connFailure) retryable() bool {
	switch f {
	case failRefused, failReset, failPreBanner, failMaxStartups, failNoLogin:
		return true
	}
	return false
}

// hostKeyError is a refused host key; it is never retried.
type hostKeyError struct{ err error }

func (e *hostKeyError) Error() string { return e.err.Error() }
func (e *hostKeyError) Unwrap() error { return e.err }

// watchConn records the first bytes a host sends, to tell a connection
// closed before the SSH banner (and MaxStartups' refusal) from one closed
// later.
type watchConn struct {
	net.Conn
	mu    sync.Mutex
	first []byte
}

func (w *watchConn) Read(b []byte) (int, error) {
	n, err := w.Conn.Read(b)
	if n > 0 {
		w.mu.Lock()
		if room := 512 - len(w.first); room > 0 {
			w.first = append(w.first, b[:min(n, room)]...)
		}
		w.mu.Unlock()
	}
	return n, err
}

func (w *watchConn) received() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.first)
}

// attempt is what one connect attempt learned besides its error.
type attempt struct {
	received   []byte // the host's first bytes (bounded)
	authBanner string // a USERAUTH_BANNER (sshd sends PAM's message in one)
}

// classify sorts a connect attempt's failure.
func classify(err error, a attempt) connFailure {
	var hk *hostKeyError
	var dns *net.DNSError
	var ne net.Error
	switch {
	case err == nil:
		return failOther
	case errors.As(err, &hk):
		return failHostKey
	case errors.As(err, &dns):
		return failDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return failRefused
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return failUnreachable
	case bytes.Contains(a.received, []byte("Exceeded MaxStartups")):
		return failMaxStartups
	case strings.Contains(err.Error(), "ssh: unable to authenticate"):
		return failAuth
	}
	closed := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
	switch {
	case closed && !bytes.Contains(a.received, []byte("SSH-")):
		if errors.Is(err, syscall.ECONNRESET) {
			return failReset
		}
		return failPreBanner
	case closed && a.authBanner != "":
		// sshd sends PAM's account message, then disconnects.
		return failNoLogin
	case errors.As(err, &ne) && ne.Timeout():
		return failTimeout
	}
	return failOther
}

// describe turns a final connect failure into one sentence with the next
// step. Text from the host is bounded and stripped of control characters.
func describeConnect(f connFailure, err error, a attempt, addr string, tries int, spent time.Duration) error {
	again := ""
	if tries > 1 {
		again = fmt.Sprintf(" (tried %d times in %s)", tries, spent.Round(100*time.Millisecond))
	}
	switch f {
	case failRefused:
		return fmt.Errorf("%w: nothing accepts connections on %s%s: check that sshd runs and that the port in the inventory is right (connection refused)", ErrUnreachable, addr, again)
	case failReset, failPreBanner:
		return fmt.Errorf("%w: %s closed the connection before the SSH banner%s: sshd is restarting or overloaded; try again, or check sshd's log on the host (%v)", ErrUnreachable, addr, again, err)
	case failMaxStartups:
		return fmt.Errorf("%w: %s refused the connection because sshd's MaxStartups is full%s: too many unauthenticated connections at once; lower --forks or raise MaxStartups in sshd_config", ErrUnreachable, addr, again)
	case failNoLogin:
		return fmt.Errorf("%w: host is still booting (pam_nologin): %q%s; wait until it has finished booting (or remove /run/nologin if it stays) and run again", ErrUnreachable, hostText(a.authBanner, 200), again)
	case failDNS:
		return fmt.Errorf("%w: cannot resolve the host name in %s: check the address in the inventory and the controller's DNS (%v)", ErrUnreachable, addr, err)
	case failUnreachable:
		return fmt.Errorf("%w: no route to %s: the network or host is unreachable from here; check the address, the controller's network and the provider's firewall (%v)", ErrUnreachable, addr, err)
	case failTimeout:
		return fmt.Errorf("%w: %s did not answer within connect_timeout: check the address, and that a firewall lets port 22 through, or raise connect_timeout (%v)", ErrUnreachable, addr, err)
	case failAuth:
		return fmt.Errorf("%w: %s refused the login: check user and identity_file in the inventory, and that the key is in the user's authorized_keys (%v)", ErrUnreachable, addr, err)
	case failHostKey:
		return err
	}
	return fmt.Errorf("%w: %s: %v", ErrUnreachable, addr, err)
}

// hostText makes bytes a host sent fit for one line of output.
func hostText(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

// Backoff between connect attempts: short first (sshd re-executes on
// reload within milliseconds), then up to a second.
const (
	retryFirst = 25 * time.Millisecond
	retryMax   = time.Second
)

// retryConnect runs dial until it succeeds, fails for good, or the budget
// (connect_timeout) is spent; retries counts the attempts after the first.
func retryConnect[T any](ctx context.Context, budget time.Duration, addr string, retries *int64, dial func(timeout time.Duration) (T, attempt, error)) (T, error) {
	start := time.Now()
	deadline := start.Add(budget)
	wait := retryFirst
	for tries := 1; ; tries++ {
		left := time.Until(deadline)
		v, a, err := dial(max(left, time.Second))
		if err == nil {
			return v, nil
		}
		f := classify(err, a)
		if !f.retryable() || ctx.Err() != nil || time.Now().Add(wait).After(deadline) {
			var zero T
			return zero, describeConnect(f, err, a, addr, tries, time.Since(start))
		}
		*retries++
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		wait = min(2*wait, retryMax)
	}
}

// authBannerRecorder keeps the last USERAUTH_BANNER, bounded.
func authBannerRecorder(dst *string) ssh.BannerCallback {
	return func(msg string) error {
		if len(msg) > 1024 {
			msg = msg[:1024]
		}
		*dst = msg
		return nil
	}
}
