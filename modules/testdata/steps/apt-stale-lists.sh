# probe
now=$(date +%s); if [ -d /var/lib/apt/lists ]; then echo "lists_age=$((now - $(stat -c %Y /var/lib/apt/lists)))"; fi
if [ -e '/var/lib/clawrun/apt-update-needed' ]; then echo repo_changed=yes; fi
have_lists=no; for f in /var/lib/apt/lists/*_Packages*; do [ -e "$f" ] && have_lists=yes; break; done; echo "have_lists=$have_lists"
s=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}${Version}\n' 'hello' 2>/dev/null)
set -f; o=$IFS; IFS='
'; j=' '; for l in $s; do echo "pkg $l"; j="$j$l "; done; IFS=$o; set +f; s=$j
want=''; for p in 'hello'; do case "$s" in *" ${p%%:*} ii "*) ;; *) want="$want $p";; esac; done
if [ -n "$want" ]; then sim() { t=$(mktemp -d); mkdir -p "$t/partial"
o="-o Dir::State::Lists=$t -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Debug::NoLocking=1"
apt-get -q $o update >/dev/null 2>&1; apt-get -s -q $o "$@"; rm -rf "$t"; }; sim install --no-install-recommends $want 2>&1 | sed -n 's/^/sim /p'; fi

# step 1: apt-get update
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
e=; if [ -e '/var/lib/clawrun/apt-update-needed' ]; then e='-o APT::Update::Error-Mode=any'; fi
apt-get update -q -o DPkg::Lock::Timeout=300 $e >/dev/null || { rc=$?; [ -z "$e" ] || echo 'clawrun: apt-get update failed after an apt_repository change: fix what apt names above (its URI, suite or key); the next run updates the lists again' >&2; exit $rc; }
rm -f -- '/var/lib/clawrun/apt-update-needed'
