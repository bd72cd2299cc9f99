package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clawrun/clawrun/test/testbed"
)

// TestWaitTokenOffProcessList: a wait whose health URL carries a secret
// token, against a listener that accepts and never answers, never shows the
// token in the host's process list, which an unprivileged user polls
// (ps -eo args) all the while the wait runs.
func TestWaitTokenOffProcessList(t *testing.T) {
	tb := testbed.Get(t)
	const token = "tok-9f2c7e1d5a"
	pid := strings.TrimSpace(tb.MustSSH(t, "h1", `nohup python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 18799)); s.listen(16); held = []
while True: held.append(s.accept())
' >/dev/null 2>&1 & echo $!`))
	defer tb.SSH(t, "h1", "kill "+pid)
	dir := t.TempDir()
	pb := `variable "tok" {
  type      = string
  default   = "` + token + `"
  sensitive = true
}
task "wait" "gw" {
  http     = "http://127.0.0.1:18799/health?token=${var.tok}"
  contains = "ok ${var.tok}"
  timeout  = 6
}
`
	if err := os.WriteFile(filepath.Join(dir, "pb.hcl"), []byte(pb), 0o644); err != nil {
		t.Fatal(err)
	}
	// The pattern differs from the token ([9]), so the poller's own grep
	// does not count; [c]url and [w]get/[b]ash -s tell that a fetch ran.
	poll := make(chan string, 1)
	go func() {
		out, _ := tb.SSH(t, "h1", `runuser -u nobody -- sh -c 'hits=0 fetch=0 n=0; end=$(( $(date +%s) + 10 ))
while [ "$(date +%s)" -lt "$end" ]; do
  p=$(ps -eo args); n=$((n+1))
  case $p in *tok-[9]f2c7e1d5a*) hits=$((hits+1)) ;; esac
  if printf "%s\n" "$p" | grep -qE "^(timeout [0-9]+ )?([c]url |[w]get |[b]ash -s)"; then fetch=$((fetch+1)); fi
  sleep 0.05
done
echo "polls=$n hits=$hits fetch=$fetch"'`)
		poll <- out
	}()
	time.Sleep(time.Second)
	r := clawrun(t, dir, nil, "apply", "pb.hcl", "-i", tb.Inventory, "--limit", "h1", "-v", "--color", "never")
	if r.Code != 1 || !strings.Contains(r.Stdout, "timed out after 6 s waiting for") {
		t.Errorf("apply: exit %d, want 1 with a timeout\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if strings.Contains(r.Stdout+r.Stderr, token) {
		t.Errorf("the token is in clawrun's output:\n%s%s", r.Stdout, r.Stderr)
	}
	out := <-poll
	t.Logf("poller: %s", out)
	if !strings.Contains(out, " hits=0 ") {
		t.Errorf("the token was in the host's process list: %s", out)
	}
	if strings.Contains(out, " fetch=0") || !strings.Contains(out, "polls=") {
		t.Errorf("the poller never saw the wait's fetch running: %s", out)
	}
}
