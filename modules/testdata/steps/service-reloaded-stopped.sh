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
if [ "$rc" = 0 ]; then
  { case "$o" in *FragmentPath=/*) f=${o#*FragmentPath=}; printf '%s\n' "${f%%"
"*}";; esac; printf '%s' "$dropins"; } | while IFS= read -r f; do
    [ -f "$f" ] || continue; s=
    while IFS= read -r l || [ -n "$l" ]; do case $l in '['*) s=$l;; ExecReload=*|ExecReload[[:space:]]*=*) [ "$s" = '[Service]' ] && printf 'ExecReloadIn=%s\t%s\n' "$f" "${l#*=}";; esac; done < "$f"
  done
fi
[ "$rc" = 0 ]

# step 1: start
systemctl start -- 'gw.service'
