# probe
p='/etc/cron.d/clawrun'
if [ -L "$p" ]; then printf 'type=link\ntarget=%s\n' "$(readlink "$p")"
elif [ -e "$p" ]; then
if [ -d "$p" ]; then echo type=directory; elif [ -f "$p" ]; then echo type=file; else echo type=other; fi
stat --printf 'mode=%a\nowner=%U\ngroup=%G\nsize=%s\n' "$p"
if [ -f "$p" ]; then s=$(sha256sum < "$p"); s=${s%% *}; echo "sha256=$s"
  if [ "$s" != '' ]; then printf 'content='; base64 -w0 < "$p"; echo; fi
fi
else echo type=absent; fi

# step 1: write /etc/cron.d/clawrun
s=
set -e
t=$(mktemp '/etc/cron.d/.clawrun.clawrun.XXXXXX')
trap 'rm -f "$t" $s' EXIT INT TERM HUP
if [ -e '/etc/cron.d/clawrun' ]; then chmod --reference='/etc/cron.d/clawrun' "$t"; chown --reference='/etc/cron.d/clawrun' "$t"; else chmod 0644 "$t"; fi
chmod 0644 "$t"
chown 'root':'root' "$t"
printf %s 'IyBjbGF3cnVuOiBjbGVhbnVwCk1BSUxUTz0KQGRhaWx5IHJvb3QgZmluZCAvdG1wIC1tdGltZSArNyAtZGVsZXRlCg==' | base64 -d > "$t"
mv -f "$t" '/etc/cron.d/clawrun'
trap - EXIT INT TERM HUP
rm -f $s

