# probe
o=$(systemctl show -p LoadState,ActiveState,UnitFileState,NeedDaemonReload,FragmentPath,DropInPaths,CanReload,Type,ConditionResult,ConditionTimestampMonotonic -- 'gw.service'); rc=$?
printf '%s\n' "$o"
dropins=
if [ "$rc" = 0 ]; then
  for f in /etc/systemd/system/'service.d'/*.conf /etc/systemd/system/'gw.service.d'/*.conf /run/systemd/system/'service.d'/*.conf /run/systemd/system/'gw.service.d'/*.conf /usr/lib/systemd/system/'service.d'/*.conf /usr/lib/systemd/system/'gw.service.d'/*.conf /lib/systemd/system/'service.d'/*.conf /lib/systemd/system/'gw.service.d'/*.conf; do if [ -f "$f" ]; then printf 'DropInFile=%s\n' "$f"; dropins="$dropins$f
"; fi; done
  case "$o" in *FragmentPath=/*) f=${o#*FragmentPath=}; f=${f%%"
"*}; if [ -L "$f" ]; then printf 'FragmentTarget=%s\n' "$(readlink -f -- "$f")"; fi;; esac
fi
[ "$rc" = 0 ]

# step 1: start
systemctl start -- 'gw.service'
sleep 0.3
case "$(systemctl show -p ActiveState -- 'gw.service')" in *=failed) echo "clawrun: "'gw.service'" failed right after it started: see journalctl -u "'gw.service' >&2; exit 1;; esac
