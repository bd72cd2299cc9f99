# probe (batched with the host's other file probes)
i=0; for p in '/etc/app.json'; do
  if [ -L "$p" ]; then printf 'L\t%d\t' "$i"; readlink -- "$p" | base64 -w0; echo; elif [ -e "$p" ]; then printf 'E\t%d\n' "$i"; fi; i=$((i + 1))
done
stat --printf 'S\t%F\t%a\t%U\t%G\t%s\t%u\t%g\t%n\n' -- '/etc/app.json' '/etc' 2>/dev/null
set --
for p in '/etc/app.json'; do if [ -f "$p" ] && [ ! -L "$p" ]; then set -- "$@" "$p"; fi; done
sums=
if [ $# -gt 0 ]; then sums=$(sha256sum -- "$@" 2>/dev/null); printf '%s\n' "$sums"; fi
if [ -f '/etc/app.json' ] && [ ! -L '/etc/app.json' ] && [ "$(stat -c %s -- '/etc/app.json')" -le 16777216 ]; then printf 'C\t0\t'; base64 -w0 < '/etc/app.json'; echo; fi

# no steps
