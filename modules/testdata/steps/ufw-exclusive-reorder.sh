# probe
if [ -x /usr/sbin/ufw ]; then echo installed=yes; fi
for f in /etc/ufw/ufw.conf /etc/default/ufw; do
  [ -r "$f" ] && while IFS= read -r l; do case "$l" in [A-Z]*=*) echo "$l";; esac; done < "$f"
done
for f in /etc/ufw/user.rules /etc/ufw/user6.rules; do
  [ -r "$f" ] && while IFS= read -r l; do case "$l" in "### tuple ### "*) echo "${f##*/} ${l#"### tuple ### "}";; esac; done < "$f"
done
ip -o addr show 2>/dev/null | while read -r _ dev fam addr _; do echo "addr $dev ${addr%/*}"; done
true
# step 1: ufw
rc=0; python3 - <<'CLAWRUN_UFW' || rc=$?
cmds = ["ufw delete allow in proto tcp from 'any' to 'any' port '443'","ufw delete allow in proto tcp from 'any' to 'any' port '9999'","ufw allow in proto tcp from 'any' to 'any' port '80'","ufw allow in proto tcp from 'any' to 'any' port '443'"]
import sys
# ufw checks that the program running it is root's and not writable.
sys.argv = ['/usr/sbin/ufw']
try:
    import gettext, shlex
    import ufw.common, ufw.frontend, ufw.util
    gettext.install(ufw.common.programName)
    ui = ufw.frontend.UFWFrontend(False)
    parsed = [ufw.frontend.parse_command(shlex.split(c)) for c in cmds]
    lock = ufw.util.create_lock(lockfile='/run/ufw.lock', dryrun=False)
except Exception:
    sys.exit(100)
try:
    for pr in parsed:
        if 'rule' in pr.data:
            ui.do_action(pr.action, pr.data['rule'], pr.data['iptype'], True)
        else:
            ui.do_action(pr.action, '', '', True)
except ufw.common.UFWError as e:
    sys.stderr.write('ERROR: %s\n' % e.value)
    sys.exit(1)
finally:
    ufw.util.release_lock(lock)
CLAWRUN_UFW
if [ "$rc" = 100 ]; then
set -e
ufw delete allow in proto tcp from 'any' to 'any' port '443' >/dev/null
ufw delete allow in proto tcp from 'any' to 'any' port '9999' >/dev/null
ufw allow in proto tcp from 'any' to 'any' port '80' >/dev/null
ufw allow in proto tcp from 'any' to 'any' port '443' >/dev/null
elif [ "$rc" != 0 ]; then exit "$rc"; fi

