package runner

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	pemenc "encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/clawrun/clawrun/runner/transport"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// execSSHServer is an SSH server inside the test: it runs exec requests with
// /bin/sh on this machine and serves SFTP, so the SSH transport (host
// keys, the long-lived shells, staging over SFTP, keepalives) runs without
// a real host.
type execSSHServer struct {
	addr, port string
	home       string // the login user's home: cwd of commands and SFTP
	hostKey    ssh.Signer
	keyFile    string // the client's private key
	logins     atomic.Int64
	execs      atomic.Int64
}

func newExecSSHServer(t *testing.T) *execSSHServer {
	t.Helper()
	s := &execSSHServer{home: t.TempDir()}
	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	s.hostKey, _ = ssh.NewSignerFromKey(hostPriv)
	clientPub, clientPriv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKey(clientPriv, "")
	if err != nil {
		t.Fatal(err)
	}
	s.keyFile = filepath.Join(t.TempDir(), "id_ed25519")
	os.WriteFile(s.keyFile, pemenc.EncodeToMemory(block), 0o600)
	authorized, _ := ssh.NewPublicKey(clientPub)
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if string(k.Marshal()) == string(authorized.Marshal()) {
			return nil, nil
		}
		return nil, fmt.Errorf("unknown key")
	}}
	cfg.AddHostKey(s.hostKey)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s.addr, s.port, _ = net.SplitHostPort(ln.Addr().String())
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c, cfg)
		}
	}()
	return s
}

// knownHosts writes a known_hosts file with the server's key (or another).
func (s *execSSHServer) knownHosts(t *testing.T, key ssh.PublicKey) string {
	p := filepath.Join(t.TempDir(), "known_hosts")
	if key != nil {
		line := fmt.Sprintf("[%s]:%s %s", s.addr, s.port, ssh.MarshalAuthorizedKey(key))
		os.WriteFile(p, []byte(line), 0o600)
	}
	return p
}

func (s *execSSHServer) inventory(knownHosts string) string {
	return fmt.Sprintf("host \"s1\" {\n  address = %q\n  port = %s\n  user = \"tester\"\n  identity_file = %q\n  known_hosts = %q\n  become = false\n}\n",
		s.addr, s.port, s.keyFile, knownHosts)
}

func (s *execSSHServer) serve(c net.Conn, cfg *ssh.ServerConfig) {
	sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		c.Close()
		return
	}
	s.logins.Add(1)
	defer sc.Close()
	go ssh.DiscardRequests(reqs) // keepalives get a reply
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "no")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		go s.session(ch, creqs, sc)
	}
}

func (s *execSSHServer) session(ch ssh.Channel, reqs <-chan *ssh.Request, sc *ssh.ServerConn) {
	defer ch.Close()
	for req := range reqs {
		switch req.Type {
		case "exec":
			var p struct{ Command string }
			ssh.Unmarshal(req.Payload, &p)
			req.Reply(true, nil)
			s.execs.Add(1)
			cmd := exec.Command("/bin/sh", "-c", p.Command)
			cmd.Dir = s.home
			la, ra := sc.LocalAddr().(*net.TCPAddr), sc.RemoteAddr().(*net.TCPAddr)
			cmd.Env = append(os.Environ(), "HOME="+s.home,
				fmt.Sprintf("SSH_CONNECTION=%s %d %s %d", ra.IP, ra.Port, la.IP, la.Port))
			cmd.Stdin, cmd.Stdout, cmd.Stderr = ch, ch, ch.Stderr()
			code := 0
			if err := cmd.Run(); err != nil {
				code = 1
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				}
			}
			status := make([]byte, 4)
			binary.BigEndian.PutUint32(status, uint32(code))
			ch.SendRequest("exit-status", false, status)
			return
		case "subsystem":
			req.Reply(true, nil)
			srv, err := sftp.NewServer(ch, sftp.WithServerWorkingDirectory(s.home))
			if err == nil {
				srv.Serve()
			}
			return
		default:
			if req.WantReply {
				req.Reply(req.Type == "env", nil)
			}
		}
	}
}

// TestSSHTransport: plan and apply over real SSH to the test's server: one
// handshake, two long-lived shells at most, content over 64 KiB staged
// over SFTP and removed, facts from SSH_CONNECTION, a rerun that changes
// nothing in one round trip.
func TestSSHTransport(t *testing.T) {
	srv := newExecSSHServer(t)
	w := newWorld(t, `
task "file" "small" {
  path    = "${var.root}/small"
  content = "hello\n"
}

task "file" "big" {
  path   = "${var.root}/big"
  source = "big.txt"
}

task "command" "fails" {
  cmd           = "echo nope >&2; exit 5"
  ignore_errors = true
}
`, srv.inventory(srv.knownHosts(t, srv.hostKey.PublicKey())))
	big := strings.Repeat("0123456789abcdef\n", 6000)
	w.write("big.txt", big)
	res := w.apply(runOpts{})
	if res.code != 0 {
		t.Fatalf("apply over ssh: exit %d\n%s", res.code, res.text)
	}
	if w.read("small") != "hello\n" || w.read("big") != big {
		t.Error("files not written over ssh")
	}
	if left, _ := os.ReadDir(filepath.Join(srv.home, transport.StagingDir)); len(left) != 0 {
		t.Errorf("staged uploads left: %v", left)
	}
	if e := res.task("s1", "command.fails"); e == nil || !strings.Contains(e.Error, "exit status 5: nope") {
		t.Errorf("failing command over ssh: %+v", e)
	}
	rc := res.recap["s1"]
	if rc.Stats == nil || rc.Stats.Handshakes != 1 || rc.Stats.Sessions > 3 {
		t.Errorf("stats %+v", rc.Stats)
	}
	logins := srv.logins.Load()
	again := w.apply(runOpts{})
	if rc := again.recap["s1"]; rc.Changed != 0 || rc.Stats.RoundTrips > 2 || srv.logins.Load() != logins+1 {
		t.Errorf("rerun: %+v stats %+v, logins %d -> %d", rc, rc.Stats, logins, srv.logins.Load())
	}
}

// TestSSHHostKeys: an unknown host is refused with the command that adds
// it, --accept-new-host-keys records it, a changed key always fails.
func TestSSHHostKeys(t *testing.T) {
	srv := newExecSSHServer(t)
	book := "task \"command\" \"x\" {\n  cmd = \"true\"\n}\n"
	kh := srv.knownHosts(t, nil)
	os.WriteFile(kh, nil, 0o600)
	w := newWorld(t, book, srv.inventory(kh))
	res := w.run(runOpts{})
	if e := res.task("s1", "connect"); e == nil || !strings.Contains(e.Error, "ssh-keyscan") {
		t.Errorf("unknown host: %+v", e)
	}
	res = w.run(runOpts{accept: true})
	if res.code != 2 && res.code != 0 {
		t.Errorf("accept-new: exit %d\n%s", res.code, res.text)
	}
	if b, _ := os.ReadFile(kh); !strings.Contains(string(b), "ssh-ed25519") {
		t.Errorf("key not recorded: %q", b)
	}
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	otherSigner, _ := ssh.NewSignerFromKey(other)
	w2 := newWorld(t, book, srv.inventory(srv.knownHosts(t, otherSigner.PublicKey())))
	res = w2.run(runOpts{accept: true})
	if e := res.task("s1", "connect"); e == nil || !strings.Contains(e.Error, "HOST KEY CHANGED") || res.code != 1 {
		t.Errorf("changed key: exit %d %+v", res.code, e)
	}
}
