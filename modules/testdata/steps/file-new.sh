# probe (batched with the host's other file probes)
for p in '/etc/motd'; do
  if [ -L "$p" ]; then printf 'L\t%s\t%s\n' "$p" "$(readlink "$p")"; elif [ -e "$p" ]; then printf 'E\t%s\n' "$p"; fi
done
stat --printf 'S\t%F\t%a\t%U\t%G\t%s\t%n\n' -- '/etc/motd' 2>/dev/null
set --
for p in '/etc/motd'; do if [ -f "$p" ] && [ ! -L "$p" ]; then set -- "$@" "$p"; fi; done
sums=
if [ $# -gt 0 ]; then sums=$(sha256sum -- "$@" 2>/dev/null); printf '%s\n' "$sums"; fi
case "$sums" in *'4881cae2c4ef48fb33fa95fec7cd724dbdd7fcfb9c94ae9a5f39e51104f2e949  /etc/motd'*) ;; *) if [ -f '/etc/motd' ] && [ ! -L '/etc/motd' ]; then printf 'C\t%s\t' '/etc/motd'; base64 -w0 < '/etc/motd'; echo; fi;; esac

# step 1: write /etc/motd
s=
set -e
t=$(mktemp '/etc/.clawrun.motd.XXXXXX')
trap 'rm -f "$t" $s' EXIT INT TERM HUP
if [ -e '/etc/motd' ]; then chmod --reference='/etc/motd' "$t"; chown --reference='/etc/motd' "$t"; else chmod 0644 "$t"; fi
chmod 0644 "$t"
printf %s 'aGVsbG8gaDEK' | base64 -d > "$t"
mv -f "$t" '/etc/motd'
trap - EXIT INT TERM HUP
rm -f $s

