# probe (batched with the host's other file probes)
for p in '/etc/ssh/sshd_config'; do
  if [ -L "$p" ]; then printf 'L\t%s\t%s\n' "$p" "$(readlink "$p")"; elif [ -e "$p" ]; then printf 'E\t%s\n' "$p"; fi
done
stat --printf 'S\t%F\t%a\t%U\t%G\t%s\t%n\n' -- '/etc/ssh/sshd_config' 2>/dev/null
set --
for p in '/etc/ssh/sshd_config'; do if [ -f "$p" ] && [ ! -L "$p" ]; then set -- "$@" "$p"; fi; done
sums=
if [ $# -gt 0 ]; then sums=$(sha256sum -- "$@" 2>/dev/null); printf '%s\n' "$sums"; fi
if [ -f '/etc/ssh/sshd_config' ] && [ ! -L '/etc/ssh/sshd_config' ]; then printf 'C\t%s\t' '/etc/ssh/sshd_config'; base64 -w0 < '/etc/ssh/sshd_config'; echo; fi

# step 1: write /etc/ssh/sshd_config
s=
set -e
t=$(mktemp '/etc/ssh/.clawrun.sshd_config.XXXXXX')
trap 'rm -f "$t" $s' EXIT INT TERM HUP
if [ -e '/etc/ssh/sshd_config' ]; then chmod --reference='/etc/ssh/sshd_config' "$t"; chown --reference='/etc/ssh/sshd_config' "$t"; else chmod 0644 "$t"; fi
printf %s 'UG9ydCAyMgpQZXJtaXRSb290TG9naW4gbm8KVXNlUEFNIHllcwo=' | base64 -d > "$t"
mv -f "$t" '/etc/ssh/sshd_config'
trap - EXIT INT TERM HUP
rm -f $s

