package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clawrun/clawrun/inventory"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

const (
	// maxHandshakes per target address: sshd's MaxStartups drops bursts.
	maxHandshakes  = 4
	keepaliveEvery = 5 * time.Second
	keepaliveMax   = 3 // missed replies before the connection is declared dead
)

// ErrUnreachable marks connection failures (the recap's unreachable column).
var ErrUnreachable = errors.New("unreachable")

// handshakeSlots limits concurrent handshakes per address.
var handshakeSlots sync.Map // address -> chan struct{}

func acquireHandshake(ctx context.Context, addr string) (func(), error) {
	v, _ := handshakeSlots.LoadOrStore(addr, make(chan struct{}, maxHandshakes))
	ch := v.(chan struct{})
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// sshConn is one SSH connection carrying every session for a host.
type sshConn struct {
	client   *ssh.Client
	jump     *ssh.Client
	password string
	// root: the login user is root, so become needs no sudo.
	root    bool
	stats   Stats
	dead    chan struct{}
	deadErr error
	once    sync.Once
	sftpMu  sync.Mutex
	sftp    *sftp.Client
	// shells are the running root and login-user shells (shell.go).
	shellMu sync.Mutex
	shells  map[bool]*remoteShell
}

// StagingDir, in the login user's home, holds uploads until a step
// copies them into place; the facts script clears leftovers.
const StagingDir = ".clawrun-staging"

// Stage uploads data over SFTP on the host's one connection: concurrent
// 32 KiB writes keep large files at wire speed.
func (c *sshConn) Stage(ctx context.Context, data []byte) (string, error) {
	c.sftpMu.Lock()
	defer c.sftpMu.Unlock()
	if c.sftp == nil {
		cl, err := sftp.NewClient(c.client, sftp.UseConcurrentWrites(true), sftp.MaxConcurrentRequestsPerFile(64))
		if err != nil {
			return "", c.lost(fmt.Errorf("start sftp: %w", err))
		}
		c.sftp = cl
		atomic.AddInt64(&c.stats.Sessions, 1)
	}
	c.sftp.Mkdir(StagingDir)
	c.sftp.Chmod(StagingDir, 0o700)
	name := StagingDir + "/" + newNonce()
	f, err := c.sftp.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return "", c.lost(fmt.Errorf("stage upload: %w", err))
	}
	// Private before the content lands.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return "", c.lost(fmt.Errorf("stage upload: %w", err))
	}
	if _, err := f.ReadFrom(bytes.NewReader(data)); err != nil {
		f.Close()
		c.sftp.Remove(name)
		return "", c.lost(fmt.Errorf("stage upload: %w", err))
	}
	if err := f.Close(); err != nil {
		return "", c.lost(fmt.Errorf("stage upload: %w", err))
	}
	atomic.AddInt64(&c.stats.RoundTrips, 1)
	atomic.AddInt64(&c.stats.BytesUp, int64(len(data)))
	abs, err := c.sftp.RealPath(name)
	if err != nil {
		return "", c.lost(fmt.Errorf("stage upload: %w", err))
	}
	return abs, nil
}

// DialOptions are the controller-side SSH settings.
type DialOptions struct {
	AcceptNewHostKeys bool
	BecomePassword    string
	Passphrase        string
	// Prompt, when set (a terminal), asks for an encrypted key's
	// passphrase without echo.
	Prompt func(prompt string) (string, error)
	Logf   func(format string, args ...any)
}

func authMethods(h *inventory.Host, o DialOptions) ([]ssh.AuthMethod, error) {
	var methods []ssh.AuthMethod
	// The agent's keys first, as OpenSSH does, unless IdentitiesOnly.
	if sock := os.Getenv("SSH_AUTH_SOCK"); sock != "" && !h.IdentitiesOnly {
		if c, err := net.Dial("unix", sock); err == nil {
			methods = append(methods, ssh.PublicKeysCallback(agent.NewClient(c).Signers))
		}
	}
	files, explicit := identityCandidates(h)
	var signers []ssh.Signer
	for _, file := range files {
		signer, err := loadIdentity(file, o)
		if err != nil {
			if explicit {
				return nil, err
			}
			if o.Logf != nil {
				o.Logf("%s: skipping default identity: %v", h.Name, err)
			}
			continue
		}
		signers = append(signers, signer)
	}
	if len(signers) > 0 {
		methods = append(methods, ssh.PublicKeys(signers...))
	}
	if len(methods) == 0 {
		return nil, fmt.Errorf("no credentials: set identity_file in the inventory or IdentityFile in ~/.ssh/config, or start ssh-agent")
	}
	return methods, nil
}

func loadIdentity(file string, o DialOptions) (ssh.Signer, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read identity file: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		signer, err = parseEncryptedKey(file, pem, o)
	}
	if err != nil {
		return nil, fmt.Errorf("parse identity file %s: %w", file, err)
	}
	return signer, nil
}

// DialSSH opens the host's one connection (through a jump host if set).
// Failures of a host that is restarting sshd or still booting are retried
// with backoff until connect_timeout is spent (retryConnect); refused
// credentials and host keys never are.
func DialSSH(ctx context.Context, h *inventory.Host, o DialOptions) (*sshConn, error) {
	h, err := ResolveSSHConfig(h)
	if err != nil {
		return nil, err
	}
	var retries int64
	c, err := dialSSHRetries(ctx, h, o, &retries)
	if err != nil {
		return nil, &ConnectError{err: err, Retries: retries}
	}
	c.stats.ConnectRetries = retries
	return c, nil
}

// ConnectError carries the retries of a connect that failed, for --stats.
type ConnectError struct {
	err     error
	Retries int64
}

func (e *ConnectError) Error() string { return e.err.Error() }
func (e *ConnectError) Unwrap() error { return e.err }

func dialSSHRetries(ctx context.Context, h *inventory.Host, o DialOptions, retries *int64) (*sshConn, error) {
	budget := time.Duration(h.ConnectTimeout) * time.Second
	cb, db, err := hostKeyCallback(h.KnownHosts, o.AcceptNewHostKeys, h.KnownHostsExtra...)
	if err != nil {
		return nil, err
	}
	auth, err := authMethods(h, o)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(h.Address, strconv.Itoa(h.Port))
	var jc *ssh.Client
	if h.Jump != "" {
		if jc, err = dialJumpChain(ctx, h, o, cb, db, budget, retries); err != nil {
			return nil, err
		}
	}
	client, err := retryConnect(ctx, budget, addr, retries, func(timeout time.Duration) (*ssh.Client, attempt, error) {
		var a attempt
		cfg := &ssh.ClientConfig{User: h.User, Auth: auth, HostKeyCallback: cb, Timeout: timeout,
			HostKeyAlgorithms: db.HostKeyAlgorithms(addr), BannerCallback: authBannerRecorder(&a.authBanner)}
		var raw net.Conn
		if jc != nil {
			var err error
			if raw, err = jc.Dial("tcp", addr); err != nil {
				return nil, a, fmt.Errorf("through jump host %s: %w", h.Jump, err)
			}
		} else {
			release, err := acquireHandshake(ctx, addr)
			if err != nil {
				return nil, a, err
			}
			defer release()
			d := net.Dialer{Timeout: timeout, KeepAlive: 15 * time.Second}
			if raw, err = d.DialContext(ctx, "tcp", addr); err != nil {
				return nil, a, err
			}
		}
		w := &watchConn{Conn: raw}
		cl, err := handshake(w, addr, cfg, timeout)
		a.received = w.received()
		return cl, a, err
	})
	if err != nil {
		if jc != nil {
			jc.Close()
		}
		return nil, err
	}
	c := &sshConn{client: client, jump: jc, password: o.BecomePassword, root: h.User == "root", dead: make(chan struct{})}
	c.stats.Handshakes++
	go c.keepalive()
	return c, nil
}

func handshake(raw net.Conn, addr string, cfg *ssh.ClientConfig, timeout time.Duration) (*ssh.Client, error) {
	raw.SetDeadline(time.Now().Add(timeout))
	sc, chans, reqs, err := ssh.NewClientConn(raw, addr, cfg)
	if err != nil {
		raw.Close()
		return nil, err
	}
	raw.SetDeadline(time.Time{})
	return ssh.NewClient(sc, chans, reqs), nil
}

// keepalive closes the connection when the host stops answering, so that a
// dead link fails the host instead of hanging it.
func (c *sshConn) keepalive() {
	t := time.NewTicker(keepaliveEvery)
	defer t.Stop()
	missed := 0
	for {
		select {
		case <-c.dead:
			return
		case <-t.C:
		}
		reply := make(chan error, 1)
		go func() {
			_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
			reply <- err
		}()
		select {
		case err := <-reply:
			if err != nil {
				c.kill(fmt.Errorf("%w: connection lost: %v", ErrUnreachable, err))
				return
			}
			missed = 0
		case <-time.After(keepaliveEvery):
			missed++
			if missed >= keepaliveMax {
				c.kill(fmt.Errorf("%w: no keepalive reply for %s", ErrUnreachable, keepaliveEvery*keepaliveMax))
				return
			}
		}
	}
}

func (c *sshConn) kill(err error) {
	c.once.Do(func() {
		c.deadErr = err
		close(c.dead)
		c.client.Close()
	})
}

func (c *sshConn) Run(ctx context.Context, script string, become bool) (*Result, error) {
	select {
	case <-c.dead:
		return nil, c.deadErr
	default:
	}
	sh, err := c.shell(become)
	if err != nil {
		return nil, err
	}
	res, ended, err := sh.run(ctx, script, &c.stats)
	if ended && timedOut(err) {
		if kerr := c.endShell(sh, become); kerr != nil {
			err = killFailed(err, kerr)
		}
	}
	if ended {
		c.shellMu.Lock()
		if c.shells[become] == sh {
			delete(c.shells, become)
		}
		c.shellMu.Unlock()
		sh.close()
	}
	if errors.Is(err, ErrOutputLimit) {
		return nil, err // the shell goes on; only this script failed
	}
	if err != nil {
		return nil, c.lost(err)
	}
	if become && res.Code == 1 && strings.Contains(res.Stderr, "sudo: a password is required") {
		return res, fmt.Errorf("sudo needs a password: set CLAWRUN_BECOME_PASSWORD")
	}
	return res, nil
}

// shell returns the running shell for become, starting it on first use.
func (c *sshConn) shell(become bool) (*remoteShell, error) {
	c.shellMu.Lock()
	defer c.shellMu.Unlock()
	if sh := c.shells[become]; sh != nil {
		return sh, nil
	}
	sh, err := c.startShell(become)
	if err != nil {
		return nil, err
	}
	if c.shells == nil {
		c.shells = map[bool]*remoteShell{}
	}
	c.shells[become] = sh
	return sh, nil
}

// lost prefers the keepalive's diagnosis once the connection is dead.
func (c *sshConn) lost(err error) error {
	select {
	case <-c.dead:
		if c.deadErr != nil {
			return c.deadErr
		}
	default:
	}
	return err
}

func (c *sshConn) Stats() *Stats { return &c.stats }

func (c *sshConn) Close() error {
	c.once.Do(func() { close(c.dead) })
	if c.sftp != nil {
		c.sftp.Close()
	}
	err := c.client.Close()
	if c.jump != nil {
		c.jump.Close()
	}
	return err
}
