package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/clawrun/clawrun/inventory"
	"github.com/clawrun/clawrun/modules"
	sshconfig "github.com/kevinburke/ssh_config"
	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
)

// OpenSSH client configuration is read with kevinburke/ssh_config, not
// `ssh -G`: clawrun is one static binary that also runs where no OpenSSH
// client is installed (CI images, containers), one process per host would
// cost every run, and `ssh -G` reads the passwd entry's home instead of
// $HOME. The parser knows Host, Match host, Match all and Include; other
// Match criteria it refuses (exec would run commands), and so does
// clawrun: such a config fails the hosts with the way out in the message
// rather than being half-read.

// sshConfigEnv overrides the user's ssh config file; "none" skips ssh
// configuration entirely.
const sshConfigEnv = "CLAWRUN_SSH_CONFIG"

// sshConfigs are the parsed user and system configs, first wins.
var sshConfigs = sync.OnceValues(loadSSHConfigs)

func loadSSHConfigs() ([]*sshconfig.Config, error) {
	path := os.Getenv(sshConfigEnv)
	if path == "none" {
		return nil, nil
	}
	explicit := path != ""
	if !explicit {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, nil
		}
		path = filepath.Join(home, ".ssh", "config")
	}
	var out []*sshconfig.Config
	user, err := parseSSHConfig(path)
	switch {
	case err == nil:
		out = append(out, user)
	case !errors.Is(err, os.ErrNotExist) || explicit:
		return nil, fmt.Errorf("read ssh config %s: %w (set the host's connection settings in the inventory and %s=none to skip it)", path, err, sshConfigEnv)
	}
	// The system config is a distribution's: a Match it uses that the
	// parser does not know must not stop every run, so it is skipped.
	if !explicit {
		if sys, err := parseSSHConfig("/etc/ssh/ssh_config"); err == nil {
			out = append(out, sys)
		}
	}
	return out, nil
}

func parseSSHConfig(path string) (*sshconfig.Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return sshconfig.DecodeBytes(b)
}

// sshLookup is the first value of key for alias (OpenSSH: first wins).
func sshLookup(cfgs []*sshconfig.Config, alias, key string) string {
	for _, c := range cfgs {
		if v, err := c.Get(alias, key); err == nil && v != "" {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// sshLookupAll is every value of key for alias (IdentityFile accumulates).
func sshLookupAll(cfgs []*sshconfig.Config, alias, key string) []string {
	var out []string
	for _, c := range cfgs {
		if vs, err := c.GetAll(alias, key); err == nil {
			for _, v := range vs {
				out = append(out, strings.Trim(v, `"`))
			}
		}
	}
	return out
}

// defaultIdentities are tried, when they exist, if neither the inventory
// nor ssh config names an identity (OpenSSH's order).
var defaultIdentities = []string{"id_ed25519", "id_ecdsa", "id_rsa"}

// ResolveSSHConfig returns h with the OpenSSH client configuration for its
// address (or name) filled in wherever the inventory sets nothing:
// HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump,
// UserKnownHostsFile, ConnectTimeout. Without any identity, the default
// ones in ~/.ssh that exist are offered (after the agent's keys).
func ResolveSSHConfig(h *inventory.Host) (*inventory.Host, error) {
	cfgs, err := sshConfigs()
	if err != nil {
		return nil, err
	}
	return resolveWith(cfgs, h), nil
}

func resolveWith(cfgs []*sshconfig.Config, h *inventory.Host) *inventory.Host {
	out := *h
	alias := h.Address
	get := func(key string) string { return sshLookup(cfgs, alias, key) }
	if v := get("HostName"); v != "" && !h.Explicit["address"] {
		out.Address = expandSSHTokens(v, alias, &out)
	}
	if v := get("User"); v != "" && !h.Explicit["user"] {
		out.User = v
	}
	if v := get("Port"); v != "" && !h.Explicit["port"] {
		if p, err := strconv.Atoi(v); err == nil && p > 0 && p < 65536 {
			out.Port = p
		}
	}
	if v := get("ConnectTimeout"); v != "" && !h.Explicit["connect_timeout"] {
		if t, err := strconv.Atoi(v); err == nil && t > 0 {
			out.ConnectTimeout = t
		}
	}
	if v := get("ProxyJump"); v != "" && !h.Explicit["jump"] {
		out.Jump = v
		if strings.EqualFold(v, "none") {
			out.Jump = ""
		}
	}
	if v := get("UserKnownHostsFile"); v != "" && !h.Explicit["known_hosts"] && !strings.EqualFold(v, "none") {
		files := strings.Fields(v)
		out.KnownHosts = expandSSHTokens(files[0], alias, &out)
		out.KnownHostsExtra = nil
		for _, f := range files[1:] {
			if f = expandSSHTokens(f, alias, &out); fileExists(f) {
				out.KnownHostsExtra = append(out.KnownHostsExtra, f)
			}
		}
	}
	out.IdentitiesOnly = strings.EqualFold(get("IdentitiesOnly"), "yes")
	out.IdentityFiles = nil
	switch {
	case h.IdentityFile != "":
		out.IdentityFiles = []string{h.IdentityFile}
	default:
		for _, f := range sshLookupAll(cfgs, alias, "IdentityFile") {
			if !strings.EqualFold(f, "none") {
				out.IdentityFiles = append(out.IdentityFiles, expandSSHTokens(f, alias, &out))
			}
		}
	}
	return &out
}

// expandSSHTokens expands ~ and the tokens ssh_config(5) allows in
// HostName, IdentityFile and UserKnownHostsFile: %h %n %p %r %u %d %%.
func expandSSHTokens(s, alias string, h *inventory.Host) string {
	home, _ := os.UserHomeDir()
	if strings.HasPrefix(s, "~/") {
		s = filepath.Join(home, s[2:])
	}
	if !strings.Contains(s, "%") {
		return s
	}
	local := os.Getenv("USER")
	if u, err := user.Current(); err == nil && local == "" {
		local = u.Username
	}
	var b bytes.Buffer
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'h':
			b.WriteString(h.Address)
		case 'n':
			b.WriteString(alias)
		case 'p':
			b.WriteString(strconv.Itoa(h.Port))
		case 'r':
			b.WriteString(h.User)
		case 'u':
			b.WriteString(local)
		case 'd':
			b.WriteString(home)
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// identityCandidates are the key files to offer and whether they came
// from a setting (a missing or unreadable one is then an error) or are
// OpenSSH's defaults (skipped when absent or encrypted without a
// passphrase).
func identityCandidates(h *inventory.Host) (files []string, explicit bool) {
	if len(h.IdentityFiles) > 0 {
		return h.IdentityFiles, true
	}
	if h.IdentityFile != "" {
		return []string{h.IdentityFile}, true
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, false
	}
	for _, n := range defaultIdentities {
		if p := filepath.Join(home, ".ssh", n); fileExists(p) {
			files = append(files, p)
		}
	}
	return files, false
}

// jumpHop is one ProxyJump hop, resolved through ssh config itself.
type jumpHop struct {
	Addr string // host:port
	Host *inventory.Host
}

// parseJumps splits a ProxyJump value ("[user@]host[:port]", comma
// separated, or ssh://user@host:port) into hops, each looked up in ssh
// config as its own alias; settings written in the value win.
func parseJumps(cfgs []*sshconfig.Config, jump string, base *inventory.Host) ([]jumpHop, error) {
	var hops []jumpHop
	for _, part := range strings.Split(jump, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "ssh://")
		if part == "" {
			continue
		}
		hh := &inventory.Host{Name: base.Name, Port: 22, User: base.User, ConnectTimeout: base.ConnectTimeout,
			KnownHosts: base.KnownHosts, Explicit: map[string]bool{}}
		if u, rest, ok := strings.Cut(part, "@"); ok {
			hh.User, part = u, rest
			hh.Explicit["user"] = true
		}
		hh.Address = part
		if host, port, err := splitHostPortLoose(part); err != nil {
			return nil, fmt.Errorf("jump host %q: %w", part, err)
		} else if port != 0 {
			hh.Address, hh.Port = host, port
			hh.Explicit["port"] = true
		}
		hh.Explicit["known_hosts"] = true // one known_hosts for the whole chain
		r := resolveWith(cfgs, hh)
		r.Jump = ""
		if len(r.IdentityFiles) == 0 && base.IdentityFile != "" {
			// The inventory's identity opens the bastion too, as it always did.
			r.IdentityFiles = []string{base.IdentityFile}
		}
		hops = append(hops, jumpHop{Addr: joinHostPort(r.Address, r.Port), Host: r})
	}
	return hops, nil
}

// splitHostPortLoose accepts host, host:port, [v6] and [v6]:port.
func splitHostPortLoose(s string) (string, int, error) {
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 {
			return "", 0, errors.New("unclosed [")
		}
		host, rest := s[1:end], s[end+1:]
		if rest == "" {
			return host, 0, nil
		}
		p, err := strconv.Atoi(strings.TrimPrefix(rest, ":"))
		return host, p, err
	}
	if strings.Count(s, ":") == 1 {
		host, ps, _ := strings.Cut(s, ":")
		p, err := strconv.Atoi(ps)
		if err != nil || p <= 0 || p > 65535 {
			return "", 0, fmt.Errorf("bad port %q", ps)
		}
		return host, p, nil
	}
	return s, 0, nil
}

func joinHostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + strconv.Itoa(port)
	}
	return host + ":" + strconv.Itoa(port)
}

// keyscanLine is the ssh-keyscan command for a dialled "host:port".
func keyscanLine(hostport string) string {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, "22"
	}
	if strings.Trim(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:-_") != "" {
		host = modules.Quote(host) // a name from a config file may hold anything
	}
	return "ssh-keyscan -p " + port + " " + host
}

// dialJumpChain connects through every ProxyJump hop in turn (each with
// the connect retries of the target) and returns the client of the last
// one; the target is dialled through it.
func dialJumpChain(ctx context.Context, h *inventory.Host, o DialOptions, cb ssh.HostKeyCallback, db *knownhosts.HostKeyDB, budget time.Duration, retries *int64) (*ssh.Client, error) {
	cfgs, _ := sshConfigs()
	hops, err := parseJumps(cfgs, h.Jump, h)
	if err != nil {
		return nil, err
	}
	var prev *ssh.Client
	fail := func(err error) (*ssh.Client, error) {
		if prev != nil {
			prev.Close()
		}
		return nil, err
	}
	for _, hop := range hops {
		auth, err := authMethods(hop.Host, o)
		if err != nil {
			return fail(fmt.Errorf("jump host %s: %w", hop.Addr, err))
		}
		through := prev
		next, err := retryConnect(ctx, budget, hop.Addr, retries, func(timeout time.Duration) (*ssh.Client, attempt, error) {
			var a attempt
			var raw net.Conn
			if through == nil {
				release, err := acquireHandshake(ctx, hop.Addr)
				if err != nil {
					return nil, a, err
				}
				defer release()
				d := net.Dialer{Timeout: timeout}
				if raw, err = d.DialContext(ctx, "tcp", hop.Addr); err != nil {
					return nil, a, err
				}
			} else if raw, err = through.Dial("tcp", hop.Addr); err != nil {
				return nil, a, err
			}
			cfg := &ssh.ClientConfig{User: hop.Host.User, Auth: auth, HostKeyCallback: cb, Timeout: timeout,
				HostKeyAlgorithms: db.HostKeyAlgorithms(hop.Addr), BannerCallback: authBannerRecorder(&a.authBanner)}
			w := &watchConn{Conn: raw}
			c, err := handshake(w, hop.Addr, cfg, timeout)
			a.received = w.received()
			return c, a, err
		})
		if err != nil {
			return fail(fmt.Errorf("jump host %s: %w", hop.Addr, err))
		}
		// Closing the last client closes the whole chain beneath it.
		if prev != nil {
			p := prev
			go func() { next.Wait(); p.Close() }()
		}
		prev = next
	}
	if prev == nil {
		return nil, fmt.Errorf("jump %q names no host", h.Jump)
	}
	return prev, nil
}
