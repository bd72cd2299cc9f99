package transport

import "fmt"

// SSHListenWait brackets the steps that reload or restart ssh. sshd
// re-executes itself on SIGHUP, but "systemctl reload" returns once the
// signal is sent: a fresh login that the old process accepts first would
// pass with the old configuration, and the guard would wave a lock-out
// through. The suffix waits (up to 2 s) until the sockets listening on the
// port are no longer those from before the steps: closed (the connect
// retries wait for the new ones) or new. Sockets sshd inherits from
// systemd (ssh.socket) stay; then it waits the 2 s and goes on.
func SSHListenWait(port int) (pre, post string) {
	list := fmt.Sprintf(`clawrun_ssh_listen() { awk '$4 == "0A" && $2 ~ /:%04X$/ {print $10}' /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort | tr '\n' ' '; }`, port)
	pre = list + "\nclawrun_l0=$(clawrun_ssh_listen)\n"
	post = `clawrun_i=0; while [ -n "$clawrun_l0" ] && [ "$(clawrun_ssh_listen)" = "$clawrun_l0" ] && [ "$clawrun_i" -lt 40 ]; do sleep 0.05; clawrun_i=$((clawrun_i + 1)); done` + "\n"
	return pre, post
}
