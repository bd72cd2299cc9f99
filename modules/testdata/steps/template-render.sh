# probe (batched with the host's other file probes)
for p in '/etc/t.conf'; do
  if [ -L "$p" ]; then printf 'L\t%s\t%s\n' "$p" "$(readlink "$p")"; elif [ -e "$p" ]; then printf 'E\t%s\n' "$p"; fi
done
stat --printf 'S\t%F\t%a\t%U\t%G\t%s\t%n\n' -- '/etc/t.conf' 2>/dev/null
set --
for p in '/etc/t.conf'; do if [ -f "$p" ] && [ ! -L "$p" ]; then set -- "$@" "$p"; fi; done
sums=
if [ $# -gt 0 ]; then sums=$(sha256sum -- "$@" 2>/dev/null); printf '%s\n' "$sums"; fi
case "$sums" in *'b79844b9bdbc9a03ef22317012d8cb2a1656e23d64bf7e00ca3709b09c0b1781  /etc/t.conf'*) ;; *) if [ -f '/etc/t.conf' ] && [ ! -L '/etc/t.conf' ]; then printf 'C\t%s\t' '/etc/t.conf'; base64 -w0 < '/etc/t.conf'; echo; fi;; esac

# step 1: write /etc/t.conf
s=
set -e
t=$(mktemp '/etc/.clawrun.t.conf.XXXXXX')
trap 'rm -f "$t" $s' EXIT INT TERM HUP
if [ -e '/etc/t.conf' ]; then chmod --reference='/etc/t.conf' "$t"; chown --reference='/etc/t.conf' "$t"; else chmod 0644 "$t"; fi
printf %s 'bmFtZSA9IGgxCg==' | base64 -d > "$t"
mv -f "$t" '/etc/t.conf'
trap - EXIT INT TERM HUP
rm -f $s

