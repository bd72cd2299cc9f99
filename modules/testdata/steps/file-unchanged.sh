# probe (batched with the host's other file probes)
i=0; for p in '/etc/app.conf'; do
  if [ -L "$p" ]; then printf 'L\t%d\t' "$i"; readlink -- "$p" | base64 -w0; echo; elif [ -e "$p" ]; then printf 'E\t%d\n' "$i"; fi; i=$((i + 1))
done
stat --printf 'S\t%F\t%a\t%U\t%G\t%s\t%u\t%g\t%n\n' -- '/etc/app.conf' '/etc' 2>/dev/null
set --
for p in '/etc/app.conf'; do if [ -f "$p" ] && [ ! -L "$p" ]; then set -- "$@" "$p"; fi; done
sums=
if [ $# -gt 0 ]; then sums=$(sha256sum -- "$@" 2>/dev/null); printf '%s\n' "$sums"; fi
case "$sums" in *'cb78bd8a17f7b751fe0d4663366dcbc257204033ef7ddd64b1f2969573b5b2e2  /etc/app.conf'*) ;; *) if [ -f '/etc/app.conf' ] && [ ! -L '/etc/app.conf' ] && [ "$(stat -c %s -- '/etc/app.conf')" -le 16777216 ]; then printf 'C\t0\t'; base64 -w0 < '/etc/app.conf'; echo; fi;; esac

# no steps
