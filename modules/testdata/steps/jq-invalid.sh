# probe (batched with the host's other file probes)
for p in '/etc/app.json'; do
  if [ -L "$p" ]; then printf 'L\t%s\t%s\n' "$p" "$(readlink "$p")"; elif [ -e "$p" ]; then printf 'E\t%s\n' "$p"; fi
done
stat --printf 'S\t%F\t%a\t%U\t%G\t%s\t%n\n' -- '/etc/app.json' 2>/dev/null
set --
for p in '/etc/app.json'; do if [ -f "$p" ] && [ ! -L "$p" ]; then set -- "$@" "$p"; fi; done
sums=
if [ $# -gt 0 ]; then sums=$(sha256sum -- "$@" 2>/dev/null); printf '%s\n' "$sums"; fi
if [ -f '/etc/app.json' ] && [ ! -L '/etc/app.json' ]; then printf 'C\t%s\t' '/etc/app.json'; base64 -w0 < '/etc/app.json'; echo; fi

# plan error: /etc/app.json: invalid JSON: invalid character 'n' (file left untouched)
