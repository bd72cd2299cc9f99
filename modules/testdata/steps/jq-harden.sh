# probe (batched with the host's other file probes)
for p in '/home/moltbot/.openclaw/openclaw.json'; do
  if [ -L "$p" ]; then printf 'L\t%s\t%s\n' "$p" "$(readlink "$p")"; elif [ -e "$p" ]; then printf 'E\t%s\n' "$p"; fi
done
stat --printf 'S\t%F\t%a\t%U\t%G\t%s\t%n\n' -- '/home/moltbot/.openclaw/openclaw.json' 2>/dev/null
set --
for p in '/home/moltbot/.openclaw/openclaw.json'; do if [ -f "$p" ] && [ ! -L "$p" ]; then set -- "$@" "$p"; fi; done
sums=
if [ $# -gt 0 ]; then sums=$(sha256sum -- "$@" 2>/dev/null); printf '%s\n' "$sums"; fi
if [ -f '/home/moltbot/.openclaw/openclaw.json' ] && [ ! -L '/home/moltbot/.openclaw/openclaw.json' ]; then printf 'C\t%s\t' '/home/moltbot/.openclaw/openclaw.json'; base64 -w0 < '/home/moltbot/.openclaw/openclaw.json'; echo; fi

# step 1: write /home/moltbot/.openclaw/openclaw.json
s=
set -e
t=$(mktemp '/home/moltbot/.openclaw/.clawrun.openclaw.json.XXXXXX')
trap 'rm -f "$t" $s' EXIT INT TERM HUP
if [ -e '/home/moltbot/.openclaw/openclaw.json' ]; then chmod --reference='/home/moltbot/.openclaw/openclaw.json' "$t"; chown --reference='/home/moltbot/.openclaw/openclaw.json' "$t"; else chmod 0644 "$t"; fi
chmod 0600 "$t"
printf %s 'ewogICJnYXRld2F5IjogewogICAgInBvcnQiOiAxODc4OSwKICAgICJiaW5kIjogImxvb3BiYWNrIiwKICAgICJhdXRoIjogewogICAgICAidG9rZW4iOiAiYWJjIgogICAgfQogIH0sCiAgInBsdWdpbnMiOiB7CiAgICAiZW5hYmxlZCI6IGZhbHNlCiAgfQp9Cg==' | base64 -d > "$t"
mv -f "$t" '/home/moltbot/.openclaw/openclaw.json'
trap - EXIT INT TERM HUP
rm -f $s

