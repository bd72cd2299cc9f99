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
printf %s 'IyBjbGF3cnVuOiBjbGVhbnVwCk1BSUxUTz0iIgpAZGFpbHkgcm9vdCBmaW5kIC90bXAgLW10aW1lICs3IC1kZWxldGUK' | base64 -d > "$t"
if ! out=$( { if crontab -h 2>&1 | grep -q 'dry run'; then crontab -n "$t"; fi && if ! id -u 'root' >/dev/null 2>&1; then echo "user "'root'" does not exist: cron would ignore every job in this file"; exit 1; fi ; } 2>&1 </dev/null); then printf 'validate failed: %s\n' "$out" >&2; exit 1; fi
mv -f "$t" '/etc/cron.d/clawrun'
trap - EXIT INT TERM HUP
rm -f $s

