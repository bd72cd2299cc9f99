package transport

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/clawrun/clawrun/inventory"
	"golang.org/x/crypto/ssh"
)

// TestClassifyConnect: which connect failures are retried, on data.
func TestClassifyConnect(t *testing.T) {
	opErr := func(errno syscall.Errno) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)}
	}
	banner := []byte("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
	cases := []struct {
		name  string
		err   error
		a     attempt
		want  connFailure
		retry bool
	}{
		{name: "refused", err: opErr(syscall.ECONNREFUSED), want: failRefused, retry: true},
		{name: "reset before banner", err: fmt.Errorf("ssh: handshake failed: %w", opErr(syscall.ECONNRESET)), want: failReset, retry: true},
		{name: "eof before banner", err: fmt.Errorf("ssh: handshake failed: %w", io.EOF), want: failPreBanner, retry: true},
		{name: "maxstartups", err: fmt.Errorf("ssh: handshake failed: %w", io.EOF), a: attempt{received: []byte("Exceeded MaxStartups\r\n")}, want: failMaxStartups, retry: true},
		{name: "pam_nologin", err: fmt.Errorf("ssh: handshake failed: %w", io.EOF), a: attempt{received: banner, authBanner: "System is booting up. Unprivileged users are not permitted to log in yet."}, want: failNoLogin, retry: true},
		{name: "eof after banner without message", err: fmt.Errorf("ssh: handshake failed: %w", io.EOF), a: attempt{received: banner}, want: failOther},
		{name: "auth", err: errors.New("ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain"), a: attempt{received: banner}, want: failAuth},
		{name: "auth with a banner", err: errors.New("ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain"), a: attempt{received: banner, authBanner: "Authorized uses only"}, want: failAuth},
		{name: "host key", err: fmt.Errorf("ssh: handshake failed: %w", &hostKeyError{errors.New("HOST KEY CHANGED")}), a: attempt{received: banner}, want: failHostKey},
		{name: "dns", err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "nope.invalid", IsNotFound: true}}, want: failDNS},
		{name: "network unreachable", err: opErr(syscall.ENETUNREACH), want: failUnreachable},
		{name: "host unreachable", err: opErr(syscall.EHOSTUNREACH), want: failUnreachable},
		{name: "timeout", err: &net.OpError{Op: "dial", Err: os.ErrDeadlineExceeded}, want: failTimeout},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := classify(c.err, c.a)
			if got != c.want || got.retryable() != c.retry {
				t.Errorf("classify = %d (retry %v), want %d (retry %v)", got, got.retryable(), c.want, c.retry)
			}
			msg := describeConnect(got, c.err, c.a, "192.0.2.1:22", 3, 2*time.Second).Error()
			if got != failHostKey && !errors.Is(describeConnect(got, c.err, c.a, "h:22", 1, 0), ErrUnreachable) {
				t.Errorf("%q is not marked unreachable", msg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("message has a newline: %q", msg)
			}
		})
	}
	msg := describeConnect(failNoLogin, io.EOF, attempt{authBanner: "System is booting up.\n\x1b[31mred"}, "h:22", 1, 0).Error()
	if !strings.Contains(msg, "host is still booting (pam_nologin)") || strings.Contains(msg, "\x1b") {
		t.Errorf("nologin message %q", msg)
	}
}

// sshServer is an in-process SSH server on 127.0.0.1 that accepts one
// key. behave decides, per connection (numbered from 1), what it does.
type sshServer struct {
	addr, dir string
	host      *inventory.Host
	conns     atomic.Int64
}

func newSSHServer(t *testing.T, behave func(n int64, c net.Conn, cfg *ssh.ServerConfig) bool) *sshServer {
	t.Helper()
	dir := t.TempDir()
	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	hostSigner, _ := ssh.NewSignerFromKey(hostPriv)
	clientPub, clientPriv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKey(clientPriv, "")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "id"), pem.EncodeToMemory(block), 0o600)
	clientKey, _ := ssh.NewPublicKey(clientPub)
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if string(k.Marshal()) == string(clientKey.Marshal()) {
			return nil, nil
		}
		return nil, errors.New("no")
	}}
	cfg.AddHostKey(hostSigner)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	s := &sshServer{addr: l.Addr().String(), dir: dir}
	host, port, _ := net.SplitHostPort(s.addr)
	p, _ := strconv.Atoi(port)
	os.WriteFile(filepath.Join(dir, "known_hosts"), []byte("[127.0.0.1]:"+port+" "+string(ssh.MarshalAuthorizedKey(hostSigner.PublicKey()))), 0o600)
	s.host = &inventory.Host{Name: "t", Address: host, Port: p, User: "admin", IdentityFile: filepath.Join(dir, "id"),
		KnownHosts: filepath.Join(dir, "known_hosts"), ConnectTimeout: 3, Connection: "ssh"}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n := s.conns.Add(1)
			go func() {
				if !behave(n, c, cfg) {
					c.Close()
					return
				}
				sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
				if err != nil {
					return
				}
				go ssh.DiscardRequests(reqs)
				for ch := range chans {
					ch.Reject(ssh.Prohibited, "test server")
				}
				sc.Close()
			}()
		}
	}()
	return s
}

// TestDialRetries: closed-before-banner and MaxStartups refusals are
// retried and counted; refused credentials are not.
func TestDialRetries(t *testing.T) {
	os.Unsetenv("SSH_AUTH_SOCK")
	t.Run("closed before banner, then up", func(t *testing.T) {
		s := newSSHServer(t, func(n int64, c net.Conn, _ *ssh.ServerConfig) bool {
			if n == 2 {
				io.WriteString(c, "Exceeded MaxStartups\r\n")
			}
			return n > 2
		})
		c, err := DialSSH(context.Background(), s.host, DialOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if c.stats.ConnectRetries != 2 {
			t.Errorf("connect_retries = %d, want 2", c.stats.ConnectRetries)
		}
	})
	t.Run("auth failure is final", func(t *testing.T) {
		s := newSSHServer(t, func(int64, net.Conn, *ssh.ServerConfig) bool { return true })
		_, other, _ := ed25519.GenerateKey(rand.Reader)
		block, _ := ssh.MarshalPrivateKey(other, "")
		os.WriteFile(s.host.IdentityFile, pem.EncodeToMemory(block), 0o600)
		_, err := DialSSH(context.Background(), s.host, DialOptions{})
		if err == nil || !strings.Contains(err.Error(), "refused the login") || s.conns.Load() != 1 {
			t.Fatalf("err %v after %d connections, want one refused login", err, s.conns.Load())
		}
	})
	t.Run("refused until connect_timeout", func(t *testing.T) {
		s := newSSHServer(t, func(int64, net.Conn, *ssh.ServerConfig) bool { return true })
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		_, port, _ := net.SplitHostPort(l.Addr().String())
		l.Close()
		s.host.Port, _ = strconv.Atoi(port)
		s.host.ConnectTimeout = 1
		t0 := time.Now()
		_, err := DialSSH(context.Background(), s.host, DialOptions{})
		var ce *ConnectError
		if !errors.As(err, &ce) || ce.Retries < 3 || !strings.Contains(err.Error(), "connection refused") || time.Since(t0) > 3*time.Second {
			t.Fatalf("err %v after %s, want refused with retries", err, time.Since(t0))
		}
	})
	t.Run("pam_nologin", func(t *testing.T) {
		s := newSSHServer(t, func(_ int64, c net.Conn, cfg *ssh.ServerConfig) bool {
			// As sshd does with pam_nologin: PAM's message in a banner,
			// then the connection ends.
			cfg2 := *cfg
			cfg2.BannerCallback = func(ssh.ConnMetadata) string { return "System is booting up." }
			cfg2.PublicKeyCallback = func(ssh.ConnMetadata, ssh.PublicKey) (*ssh.Permissions, error) {
				c.Close()
				return nil, errors.New("closed")
			}
			ssh.NewServerConn(c, &cfg2)
			return false
		})
		s.host.ConnectTimeout = 1
		_, err := DialSSH(context.Background(), s.host, DialOptions{})
		if err == nil || !strings.Contains(err.Error(), `host is still booting (pam_nologin): "System is booting up."`) {
			t.Fatalf("err %v", err)
		}
	})
}
