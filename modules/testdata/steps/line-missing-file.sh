# probe (batched with the host's other file probes)
for p in '/etc/nothere'; do
  if [ -L "$p" ]; then printf 'L\t%s\t%s\n' "$p" "$(readlink "$p")"; elif [ -e "$p" ]; then printf 'E\t%s\n' "$p"; fi
done
stat --printf 'S\t%F\t%a\t%U\t%G\t%s\t%n\n' -- '/etc/nothere' 2>/dev/null
set --
for p in '/etc/nothere'; do if [ -f "$p" ] && [ ! -L "$p" ]; then set -- "$@" "$p"; fi; done
sums=
if [ $# -gt 0 ]; then sums=$(sha256sum -- "$@" 2>/dev/null); printf '%s\n' "$sums"; fi
if [ -f '/etc/nothere' ] && [ ! -L '/etc/nothere' ]; then printf 'C\t%s\t' '/etc/nothere'; base64 -w0 < '/etc/nothere'; echo; fi

# plan error: /etc/nothere does not exist (set create = true to create it)
