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
else
  # useradd -m will copy these: later tasks plan against them.
  for f in /etc/skel/.[!.]* /etc/skel/*; do
    if [ -f "$f" ] && [ ! -L "$f" ]; then s=$(stat -c '%a %s' -- "$f")
      if [ "${s#* }" -le 65536 ]; then printf 'skel=%s\t%s\t' "${f#/etc/skel/}" "${s%% *}"; base64 -w0 < "$f"; echo; fi
    fi
  done
fi

# step 1: usermod shell
usermod -s '/bin/bash' -- 'moltbot'
# step 2: usermod groups
usermod -a -G 'sudo' -- 'moltbot'
