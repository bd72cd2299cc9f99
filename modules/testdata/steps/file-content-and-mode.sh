# probe (batched with the host's other file probes)
for p in '/etc/app.conf'; do
  if [ -L "$p" ]; then printf 'L\t%s\t%s\n' "$p" "$(readlink "$p")"; elif [ -e "$p" ]; then printf 'E\t%s\n' "$p"; fi
done
stat --printf 'S\t%F\t%a\t%U\t%G\t%s\t%n\n' -- '/etc/app.conf' 2>/dev/null
set --
for p in '/etc/app.conf'; do if [ -f "$p" ] && [ ! -L "$p" ]; then set -- "$@" "$p"; fi; done
sums=
if [ $# -gt 0 ]; then sums=$(sha256sum -- "$@" 2>/dev/null); printf '%s\n' "$sums"; fi
case "$sums" in *'0b1f8c7aa6d420ce5666da5ec4d345b3946828a92d9eb7d255a0e181e37d7b04  /etc/app.conf'*) ;; *) if [ -f '/etc/app.conf' ] && [ ! -L '/etc/app.conf' ]; then printf 'C\t%s\t' '/etc/app.conf'; base64 -w0 < '/etc/app.conf'; echo; fi;; esac

# step 1: write /etc/app.conf
s=
set -e
t=$(mktemp '/etc/.clawrun.app.conf.XXXXXX')
trap 'rm -f "$t" $s' EXIT INT TERM HUP
if [ -e '/etc/app.conf' ]; then chmod --reference='/etc/app.conf' "$t"; chown --reference='/etc/app.conf' "$t"; else chmod 0644 "$t"; fi
chmod 0600 "$t"
chown 'admin' "$t"
printf %s 'YSA9IDEKYiA9IDMK' | base64 -d > "$t"
mv -f "$t" '/etc/app.conf'
trap - EXIT INT TERM HUP
rm -f $s

