# probe
u='moltbot'
while IFS=: read -r name _ uid gid _ home shell; do
  if [ "$name" = "$u" ]; then echo "passwd=$name:x:$uid:$gid::$home:$shell"; h=$home; pg=$gid; fi
done < /etc/passwd
if [ -n "$h" ]; then
  gs=
  while IFS=: read -r gname _ gid members; do
    case ",$members," in *",$u,"*) gs="$gs $gname";; *) [ "$gid" = "$pg" ] && gs="$gname$gs";; esac
  done < /etc/group
  echo "groups=$gs"
  k="$h/.ssh/authorized_keys"
  if [ -f "$k" ]; then printf 'keys='; base64 -w0 < "$k"; echo; fi
fi

# step 1: useradd
useradd -m -s '/bin/bash' -G 'sudo' -- 'moltbot'
# step 2: authorized_keys
install -d -m 0700 -o 'moltbot' -g "$(id -gn 'moltbot')" '/home/moltbot/.ssh'
s=
set -e
t=$(mktemp '/home/moltbot/.ssh/.clawrun.authorized_keys.XXXXXX')
trap 'rm -f "$t" $s' EXIT INT TERM HUP
if [ -e '/home/moltbot/.ssh/authorized_keys' ]; then chmod --reference='/home/moltbot/.ssh/authorized_keys' "$t"; chown --reference='/home/moltbot/.ssh/authorized_keys' "$t"; else chmod 0644 "$t"; fi
chmod 0600 "$t"
chown 'moltbot' "$t"
printf %s 'c3NoLWVkMjU1MTkgQUFBQWtleSB0ZXN0Cg==' | base64 -d > "$t"
mv -f "$t" '/home/moltbot/.ssh/authorized_keys'
trap - EXIT INT TERM HUP
rm -f $s

