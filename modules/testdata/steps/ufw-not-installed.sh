# probe
if [ -x /usr/sbin/ufw ]; then echo installed=yes; fi
for f in /etc/ufw/ufw.conf /etc/default/ufw; do
  [ -r "$f" ] && while IFS= read -r l; do case "$l" in [A-Z]*=*) echo "$l";; esac; done < "$f"
done
for f in /etc/ufw/user.rules /etc/ufw/user6.rules; do
  [ -r "$f" ] && while IFS= read -r l; do case "$l" in "### tuple ### "*) echo "${f##*/} ${l#"### tuple ### "}";; esac; done < "$f"
done
ip -o addr show 2>/dev/null | while read -r _ dev fam addr _; do echo "addr $dev ${addr%/*}"; done
true
# step 1: ufw
set -e
ufw limit in proto tcp from 'any' to 'any' port '22' >/dev/null
init=/lib/ufw/ufw-init conf=/etc/ufw/ufw.conf
if [ ! -x "$init" ] || [ ! -f "$conf" ]; then ufw --force enable >/dev/null; exit; fi
if grep -q '^ENABLED=' "$conf"; then sed -i 's/^ENABLED=.*/ENABLED=yes/' "$conf"; else echo ENABLED=yes >>"$conf"; fi
if ! out=$("$init" start 2>&1); then
  sed -i 's/^ENABLED=.*/ENABLED=no/' "$conf"
  printf '%s\n' "$out" | grep -v '^sysctl: ' >&2
  echo "ufw-init start failed; ufw stays disabled" >&2
  exit 1
fi
