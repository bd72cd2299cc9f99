# probe
if [ -e '/var/lib/clawrun/apt-update-needed' ]; then echo repo_changed=yes; fi
s=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}${Version}\n' 'nginx' 2>/dev/null)
set -f; o=$IFS; IFS='
'; j=' '; for l in $s; do echo "pkg $l"; j="$j$l "; done; IFS=$o; set +f; s=$j
apt-get -s -q -o Debug::NoLocking=1 install --no-install-recommends 'nginx' 2>&1 | sed -n 's/^/sim /p'

# step 1: apt-get install
holder() { for f in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock; do
  [ -e "$f" ] || continue; i=$(stat -c %i "$f")
  while read -r _ _ _ _ pid dev _; do case "$dev" in *:"$i") [ "$pid" -gt 0 ] 2>/dev/null && [ -r /proc/$pid/comm ] && { echo "$(cat /proc/$pid/comm) (pid $pid) on $f"; return; };; esac; done < /proc/locks
done; }
end=$(( $(date +%s) + 300 )); said=
while h=$(holder); [ -n "$h" ]; do
  [ -z "$said" ] && { echo "clawrun-notice: waiting for the package lock held by $h" >&2; said=1; }
  if [ "$(date +%s)" -ge "$end" ]; then echo "package lock still held by $h after 300s; giving up" >&2; exit 1; fi
  sleep 1
done
DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a apt-get install -y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold --no-install-recommends 'nginx'
