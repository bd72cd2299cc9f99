package runner

import (
	"strconv"
	"strings"

	"github.com/clawrun/clawrun/modules"
)

// factsScript gathers host facts and the connection as the host sees it.
// It runs without sudo, which would drop SSH_CONNECTION.
const factsScript = `. /etc/os-release 2>/dev/null
echo "os_id=$ID"; echo "os_version=$VERSION_ID"
if read -r n </proc/sys/kernel/hostname && read -r m </proc/sys/kernel/arch; then set -- "$n" "$m"; else set -- $(uname -n -m); fi 2>/dev/null
echo "hostname=$1"; echo "arch=$2"
while read -r k v _; do [ "$k" = MemTotal: ] && echo "memory_kb=$v"; done < /proc/meminfo
if [ -d /run/systemd/system ]; then echo init=systemd; else echo init=other; fi
echo "ssh_connection=$SSH_CONNECTION"
echo "user=${USER:-$LOGNAME}"
if [ -d "$HOME/.clawrun-staging" ]; then find "$HOME/.clawrun-staging" -type f -mmin +10 -delete 2>/dev/null; fi`

// parseFacts is pure: probe output in, facts out.
func parseFacts(out string) (modules.Facts, string, string, int, string) {
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = v
		}
	}
	kb, _ := strconv.ParseInt(m["memory_kb"], 10, 64)
	f := modules.Facts{OSID: m["os_id"], OSVersion: m["os_version"], Arch: m["arch"],
		Hostname: m["hostname"], MemoryMB: kb / 1024, Init: m["init"]}
	var client, server string
	var port int
	if c := strings.Fields(m["ssh_connection"]); len(c) == 4 {
		client, server = c[0], c[2]
		port, _ = strconv.Atoi(c[3])
	}
	return f, client, server, port, m["user"]
}
