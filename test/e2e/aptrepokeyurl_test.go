package e2e

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestAptRepositoryKeyURLEndless: a key_url whose server never stops
// sending (fast: the size bound; a trickle: the time bound) fetched with
// apt-helper (the hosts have no curl or wget). plan must return with a
// clear error, leave nothing in /tmp and no downloader running.
func TestAptRepositoryKeyURLEndless(t *testing.T) {
	tb := testbed.Get(t)
	one, _ := testRepos(t, tb)
	h := tb.Hosts[0]
	cleanupRepo(t, tb, h)
	ln, err := net.Listen("tcp", tb.Gateway()+":0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pgp-keys")
		chunk := []byte(strings.Repeat("A", 64<<10))
		pause := time.Duration(0)
		if strings.HasSuffix(r.URL.Path, "/slow") {
			chunk, pause = []byte("A"), time.Second
		}
		for {
			select {
			case <-done:
				return
			case <-r.Context().Done():
				return
			default:
			}
			if _, err := w.Write(chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			time.Sleep(pause)
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { close(done); srv.Close() })
	pb := repoPlaybook(t, one)
	before := tb.MustSSH(t, h, "ls -A /tmp | sort")
	for _, c := range []struct{ name, path, want string }{
		{"endless", "/key.asc", "larger than 1 MiB"},
		{"trickle", "/slow", "gave up after 60 s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			r := clawrun(t, "testdata", nil, "plan", pb, "-i", tb.Inventory, "--limit", h, "--var", "uri="+one.URL,
				"--var", "fingerprint="+one.Fingerprint, "--var", "key_url=http://"+ln.Addr().String()+c.path)
			if took := time.Since(start); took > 75*time.Second {
				t.Errorf("plan took %v", took)
			}
			if r.Code != 1 || !strings.Contains(r.Stdout+r.Stderr, "cannot fetch the key") || !strings.Contains(r.Stdout+r.Stderr, c.want) {
				t.Errorf("plan: exit %d, want 1 and %q\n%s%s", r.Code, c.want, r.Stdout, r.Stderr)
			}
			time.Sleep(2 * time.Second)
			expect(t, h, tb.MustSSH(t, h, "ls -A /tmp | sort"), before)
			expect(t, h, tb.MustSSH(t, h, "ps -eo args | grep -E 'apt-helper|methods/http' | grep -v grep; true"), "")
		})
	}
}
