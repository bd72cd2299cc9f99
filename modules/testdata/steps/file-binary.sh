# probe (batched with the host's other file probes)
for p in '/srv/blob'; do
  if [ -L "$p" ]; then printf 'L\t%s\t%s\n' "$p" "$(readlink "$p")"; elif [ -e "$p" ]; then printf 'E\t%s\n' "$p"; fi
done
stat --printf 'S\t%F\t%a\t%U\t%G\t%s\t%n\n' -- '/srv/blob' 2>/dev/null
set --
for p in '/srv/blob'; do if [ -f "$p" ] && [ ! -L "$p" ]; then set -- "$@" "$p"; fi; done
sums=
if [ $# -gt 0 ]; then sums=$(sha256sum -- "$@" 2>/dev/null); printf '%s\n' "$sums"; fi
case "$sums" in *'08bb5e5d6eaac1049ede0893d30ed022b1a4d9b5b48db414871f51c9cb35283d  /srv/blob'*) ;; *) if [ -f '/srv/blob' ] && [ ! -L '/srv/blob' ]; then printf 'C\t%s\t' '/srv/blob'; base64 -w0 < '/srv/blob'; echo; fi;; esac

# step 1: write /srv/blob
s=
set -e
t=$(mktemp '/srv/.clawrun.blob.XXXXXX')
trap 'rm -f "$t" $s' EXIT INT TERM HUP
if [ -e '/srv/blob' ]; then chmod --reference='/srv/blob' "$t"; chown --reference='/srv/blob' "$t"; else chmod 0644 "$t"; fi
printf %s 'AAECAwQ=' | base64 -d > "$t"
mv -f "$t" '/srv/blob'
trap - EXIT INT TERM HUP
rm -f $s

