# probe (batched with the host's other file probes)
for p in '/srv/app'; do
  if [ -L "$p" ]; then printf 'L\t%s\t%s\n' "$p" "$(readlink "$p")"; elif [ -e "$p" ]; then printf 'E\t%s\n' "$p"; fi
done
stat --printf 'S\t%F\t%a\t%U\t%G\t%s\t%n\n' -- '/srv/app' 2>/dev/null
set --
for p in '/srv/app'; do if [ -f "$p" ] && [ ! -L "$p" ]; then set -- "$@" "$p"; fi; done
sums=
if [ $# -gt 0 ]; then sums=$(sha256sum -- "$@" 2>/dev/null); printf '%s\n' "$sums"; fi

# step 1: set attributes of /srv/app
chmod 0750 '/srv/app'
chown 'moltbot' '/srv/app'

