package transport

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// killLimit bounds ending a timed-out shell's processes.
const killLimit = 15 * time.Second

// killScript ends every process group that holds a process with tag as
// an argument: the timed-out shell (and sudo, its monitor) with all that
// its script started and did not move to a session of its own. SIGTERM
// first, SIGKILL to what is left after 2 s. The script's own group is
// spared (grep carries the tag too). Groups 0 and 1 are never signalled.
func killScript(tag string) string {
	return `tag=` + tag + `
read -r _ _ _ _ me _ </proc/self/stat
pgs=
for f in $(grep -lxzF -e "$tag" /proc/[0-9]*/cmdline 2>/dev/null); do
  read -r _ _ _ _ pg _ <"${f%/cmdline}/stat" 2>/dev/null || continue
  case " $pgs $me 0 1 " in *" $pg "*) continue ;; esac
  pgs="$pgs $pg"
done
[ -n "$pgs" ] || exit 0
for pg in $pgs; do kill -s TERM -- "-$pg" 2>/dev/null; done
i=0
while [ "$i" -lt 20 ]; do
  alive=
  for pg in $pgs; do kill -s 0 -- "-$pg" 2>/dev/null && alive=1; done
  [ -n "$alive" ] || exit 0
  sleep 0.1 2>/dev/null || sleep 1
  i=$((i + 1))
done
for pg in $pgs; do kill -s KILL -- "-$pg" 2>/dev/null; done
exit 0
`
}

// endShell ends what a timed-out shell runs on the host, through a fresh
// session of the same connection (the shell itself is busy): closing its
// session leaves the script running, holding locks the next task needs.
// It ends them as root where it can: a login shell's script may have
// started root processes through sudo (facts beside probes). Without sudo
// it falls back to the login user.
func (c *sshConn) endShell(sh *remoteShell, become bool) error {
	err := c.killAs(sh.tag, true)
	if err != nil && !become {
		err = c.killAs(sh.tag, false)
	}
	return err
}

func (c *sshConn) killAs(tag string, become bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), killLimit)
	defer cancel()
	k, err := c.startShell(become)
	if err != nil {
		return err
	}
	defer k.close()
	res, _, err := k.run(ctx, killScript(tag), &c.stats)
	if err == nil {
		err = res.Err()
	}
	return err
}

// timedOut reports an error from a script's timeout.
func timedOut(err error) bool {
	var te *timeoutError
	return errors.As(err, &te)
}

// killFailed is the error of a timed-out script whose processes could not
// all be ended.
func killFailed(err, kerr error) error {
	return fmt.Errorf("%w; its processes on the host may still run (ending them failed: %v): check with ps on the host", err, kerr)
}
