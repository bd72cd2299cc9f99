# probe (batched with the host's other file probes)
for p in '/srv/current'; do
  if [ -L "$p" ]; then printf 'L\t%s\t%s\n' "$p" "$(readlink "$p")"; elif [ -e "$p" ]; then printf 'E\t%s\n' "$p"; fi
done
stat --printf 'S\t%F\t%a\t%U\t%G\t%s\t%n\n' -- '/srv/current' 2>/dev/null
set --
for p in '/srv/current'; do if [ -f "$p" ] && [ ! -L "$p" ]; then set -- "$@" "$p"; fi; done
sums=
if [ $# -gt 0 ]; then sums=$(sha256sum -- "$@" 2>/dev/null); printf '%s\n' "$sums"; fi

# step 1: link /srv/current
set -e
t='/srv/.clawrun.current.link'
ln -sfn '/srv/releases/2' "$t"
mv -fT "$t" '/srv/current'

