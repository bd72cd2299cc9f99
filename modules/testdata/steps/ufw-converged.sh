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
# no steps
