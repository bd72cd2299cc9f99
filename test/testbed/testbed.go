// Package testbed gives integration tests real hosts: systemd-nspawn
// containers with sshd, booted by testbed.sh (see TESTBED in the README).
//
// Tests call Get; it skips the test, with the reason, when the machine
// cannot run the testbed (not root, tools missing). .ci/run installs the
// tools, so CI never skips.
package testbed

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Testbed is a running set of hosts.
type Testbed struct {
	Slot       int      // CLAWRUN_TESTBED_SLOT: independent testbeds side by side
	Net        string   // first three octets of the slot's network: "10.66.<slot>"
	Dir        string   // state folder: inventory.hcl, known_hosts, id_ed25519
	Inventory  string   // inventory file with every host in group "vps"
	KnownHosts string   // known_hosts with every host's key
	Key        string   // private key of user admin (and root)
	Hosts      []string // h1, h2, ... (Debian 12)
	// Trixie are the Debian 13 hosts t1, t2, ..., in TrixieInventory (not
	// in Inventory, so that tests of every host stay on one release).
	Trixie          []string
	TrixieInventory string
	owned           bool // booted by this process: tear down in Stop
	server          *http.Server
}

var (
	mu      sync.Mutex
	current *Testbed
	reason  string
)

// Script is the path of testbed.sh.
func Script() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testbed.sh")
}

// Available says why the testbed cannot run here, or "".
func Available() string {
	if os.Geteuid() != 0 {
		return "testbed needs root (systemd-nspawn, network namespaces)"
	}
	for _, tool := range []string{"debootstrap", "systemd-nspawn", "ip", "dpkg-scanpackages", "ssh", "ssh-keyscan"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Sprintf("testbed needs %s (run: test/testbed/testbed.sh deps)", tool)
		}
	}
	return ""
}

// Start boots n Debian 12 hosts, or adopts a testbed already up when
// CLAWRUN_TESTBED names its state folder. Call Stop when done.
func Start(n int) (*Testbed, error) { return StartReleases(n, 0) }

// StartReleases is Start with trixie Debian 13 hosts besides.
func StartReleases(n, trixie int) (tb *Testbed, err error) {
	mu.Lock()
	defer mu.Unlock()
	if current != nil {
		return current, nil
	}
	if r := Available(); r != "" {
		reason = r
		return nil, fmt.Errorf("%s", r)
	}
	slot, serr := Slot()
	if serr != nil {
		return nil, serr
	}
	tb = &Testbed{Slot: slot, Net: fmt.Sprintf("10.66.%d", slot), Dir: os.Getenv("CLAWRUN_TESTBED")}
	// A testbed named by CLAWRUN_TESTBED and up is adopted and left up.
	// Otherwise one is booted: files left by an earlier, ended session
	// (stale mounts, namespaces) are torn down first by testbed.sh up.
	adopt := tb.Dir != "" && exists(filepath.Join(tb.Dir, "inventory.hcl")) && exists(filepath.Join(tb.Dir, "hosts"))
	if tb.Dir == "" {
		tb.Dir = "/run/clawrun-testbed"
		if slot != 0 {
			tb.Dir = fmt.Sprintf("/run/clawrun-testbed-%d", slot)
		}
	}
	if !adopt {
		tb.owned = true
		booting.Store(&tb.Dir)
		// What a failed Start booted is torn down (testbed.sh up does so
		// itself when the boot fails).
		booted := tb
		defer func() {
			if err != nil {
				booted.Stop()
			}
		}()
		if out, err := tb.script("up", fmt.Sprint(n), fmt.Sprint(trixie)); err != nil {
			return nil, fmt.Errorf("testbed up: %v\n%s", err, out)
		}
	}
	if out, err := tb.script("repo"); err != nil {
		return nil, fmt.Errorf("testbed repo: %v\n%s", err, out)
	}
	if t, _ := os.ReadFile(filepath.Join(tb.Dir, "hosts-trixie.txt")); len(t) > 0 {
		tb.Trixie = strings.Fields(string(t))
		tb.TrixieInventory = filepath.Join(tb.Dir, "inventory-trixie.hcl")
		if out, err := tb.script("repo", "trixie"); err != nil {
			return nil, fmt.Errorf("testbed repo trixie: %v\n%s", err, out)
		}
	}
	tb.Inventory = filepath.Join(tb.Dir, "inventory.hcl")
	tb.KnownHosts = filepath.Join(tb.Dir, "known_hosts")
	tb.Key = filepath.Join(tb.Dir, "id_ed25519")
	hosts, err := os.ReadFile(filepath.Join(tb.Dir, "hosts.txt"))
	if err != nil {
		return nil, err
	}
	tb.Hosts = strings.Fields(string(hosts))
	if err := tb.serveRepo(); err != nil {
		return nil, err
	}
	current = tb
	return tb, nil
}

// booting is the state folder of a testbed this process boots or booted,
// for Abort (which must not wait for Start's lock).
var booting atomic.Pointer[string]

// Abort tears down the testbed this process boots or booted, even half-way
// through Start: for a signal that ends the tests. An adopted testbed
// stays up.
func Abort() {
	dir := booting.Load()
	if dir == nil {
		return
	}
	(&Testbed{Dir: *dir}).script("down")
}

// Slot reads CLAWRUN_TESTBED_SLOT (0-9, default 0), which testbed.sh reads
// too: each slot has its own bridge, network and namespaces.
func Slot() (int, error) {
	v := os.Getenv("CLAWRUN_TESTBED_SLOT")
	if v == "" {
		return 0, nil
	}
	if len(v) != 1 || v[0] < '0' || v[0] > '9' {
		return 0, fmt.Errorf("CLAWRUN_TESTBED_SLOT must be a digit 0-9, not %q", v)
	}
	return int(v[0] - '0'), nil
}

// Get returns the running testbed or skips the test.
func Get(t testing.TB) *Testbed {
	t.Helper()
	mu.Lock()
	tb, r := current, reason
	mu.Unlock()
	if tb == nil {
		if r == "" {
			r = "testbed not started (TestMain must call testbed.Start)"
		}
		if Required() {
			t.Fatal("real-host test cannot run, and CI requires it: " + r)
		}
		t.Skip("SKIP real-host test: " + r)
	}
	return tb
}

// Stop shuts down what Start booted.
func (tb *Testbed) Stop() {
	if tb == nil {
		return
	}
	if tb.server != nil {
		tb.server.Close()
	}
	if tb.owned {
		tb.script("down")
	}
}

func (tb *Testbed) script(args ...string) (string, error) {
	cmd := exec.Command("bash", append([]string{Script()}, args...)...)
	cmd.Env = append(os.Environ(), "CLAWRUN_TESTBED="+tb.Dir)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// serveRepo serves the local package repository on the bridge address,
// where every host's apt sources point.
func (tb *Testbed) serveRepo() error {
	cache := os.Getenv("CLAWRUN_TESTBED_CACHE")
	if cache == "" {
		cache = "/var/tmp/clawrun-testbed"
	}
	ln, err := net.Listen("tcp", tb.Gateway()+":8765")
	if err != nil {
		if strings.Contains(err.Error(), "address already in use") {
			return nil // another test binary serves it
		}
		return fmt.Errorf("serve package repository: %w", err)
	}
	// Debian 12 hosts read / and Debian 13 hosts /trixie/ (testbed.sh
	// boot). Not a ServeMux: it redirects apt's "/trixie/./x%2by.deb" to a
	// twice-escaped path.
	bookworm := http.FileServer(http.Dir(filepath.Join(cache, "repo")))
	trixie := http.FileServer(http.Dir(filepath.Join(cache, "repo-trixie")))
	signed := http.StripPrefix("/signed", http.FileServer(http.Dir(filepath.Join(tb.Dir, "signed")))) // signedrepo.go
	tb.server = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/signed/") {
			signed.ServeHTTP(w, r)
			return
		}
		if rest, ok := strings.CutPrefix(r.URL.Path, "/trixie/"); ok {
			r = r.Clone(r.Context())
			r.URL.Path, r.URL.RawPath = "/"+rest, ""
			trixie.ServeHTTP(w, r)
			return
		}
		bookworm.ServeHTTP(w, r)
	})}
	go tb.server.Serve(ln)
	return nil
}

// OnTrixie returns a view of the testbed whose Hosts and Inventory are its
// Debian 13 hosts, or skips the test when it has none.
func (tb *Testbed) OnTrixie(t testing.TB) *Testbed {
	t.Helper()
	if len(tb.Trixie) == 0 {
		if Required() {
			t.Fatal("the testbed has no Debian 13 host, and CI requires the tests that run on it")
		}
		t.Skip("SKIP: the testbed has no Debian 13 host (boot one with: testbed.sh up 3 1)")
	}
	v := *tb
	v.Hosts, v.Inventory = tb.Trixie, tb.TrixieInventory
	return &v
}

// Reset reboots hosts on a fresh overlay: first-boot state, new host keys
// (known_hosts is rewritten).
func (tb *Testbed) Reset(t testing.TB, hosts ...string) {
	t.Helper()
	if out, err := tb.script(append([]string{"reset"}, hosts...)...); err != nil {
		t.Fatalf("testbed reset: %v\n%s", err, out)
	}
}

// Address returns a host's IP address.
func (tb *Testbed) Address(host string) string {
	var n int
	if _, err := fmt.Sscanf(host, "t%d", &n); err == nil {
		return fmt.Sprintf("%s.%d", tb.Net, 40+n) // Debian 13 (testbed.sh host_ip)
	}
	fmt.Sscanf(host, "h%d", &n)
	return fmt.Sprintf("%s.%d", tb.Net, 10+n)
}

// Gateway is the controller's address on the bridge: the hosts see SSH
// connections from it.
func (tb *Testbed) Gateway() string { return tb.Net + ".1" }

// Subnet is the testbed's network in CIDR form.
func (tb *Testbed) Subnet() string { return tb.Net + ".0/24" }

// Veth is the controller-side name of a host's network link.
func (tb *Testbed) Veth(host string) string { return fmt.Sprintf("ctb%d-%s", tb.Slot, host) }

// SSH runs a command on host as root (through sudo) with the system ssh
// client and returns its combined output.
func (tb *Testbed) SSH(t testing.TB, host, command string) (string, error) {
	t.Helper()
	return tb.ssh("admin", host, "sudo -n sh -c "+shellQuote(command))
}

// RootSSH runs a command on host logged in as root, without sudo.
func (tb *Testbed) RootSSH(t testing.TB, host, command string) (string, error) {
	t.Helper()
	return tb.ssh("root", host, command)
}

// ssh retries, as clawrun does, what a host restarting sshd answers:
// refused, reset, or closed before the SSH banner, with backoff for up to
// 10 s. Refused logins and host keys end it at once.
func (tb *Testbed) ssh(user, host, command string) (string, error) {
	wait := 25 * time.Millisecond
	deadline := time.Now().Add(10 * time.Second)
	for {
		cmd := exec.Command("ssh", "-i", tb.Key, "-o", "UserKnownHostsFile="+tb.KnownHosts, "-o", "StrictHostKeyChecking=yes",
			"-o", "BatchMode=yes", "-o", "ConnectTimeout=5", user+"@"+tb.Address(host), command)
		out, err := cmd.CombinedOutput()
		if err == nil || cmd.ProcessState.ExitCode() != 255 || !transient(string(out)) || time.Now().Add(wait).After(deadline) {
			return string(out), err
		}
		time.Sleep(wait)
		wait = min(2*wait, time.Second)
	}
}

// transient: OpenSSH's messages for a connection that ended before the
// login (ssh exits 255 for these and for its own failures alike).
func transient(out string) bool {
	for _, m := range []string{"Connection refused", "Connection reset", "kex_exchange_identification", "Connection closed by"} {
		if strings.Contains(out, m) {
			return true
		}
	}
	return false
}

// MustSSH is SSH that fails the test on error.
func (tb *Testbed) MustSSH(t testing.TB, host, command string) string {
	t.Helper()
	out, err := tb.SSH(t, host, command)
	if err != nil {
		t.Fatalf("ssh %s %q: %v\n%s", host, command, err, out)
	}
	return out
}

// WaitSSH waits until a host answers SSH logins again.
func (tb *Testbed) WaitSSH(t testing.TB, host string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if _, err := tb.SSH(t, host, "true"); err == nil {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("%s did not answer ssh within %s: %v", host, timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func exists(p string) bool { _, err := os.Stat(p); return err == nil }
