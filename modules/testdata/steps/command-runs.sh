# probe
if [ -e '/var/lib/app/init' ]; then echo creates=1; fi
true

# step 1: run
printf '%s\n' '@@clawrun-command-begin'; printf '%s\n' '@@clawrun-command-begin' >&2
( touch /var/lib/app/init
)
clawrun_rc=$?
printf '\n%s %d\n' '@@clawrun-command-end' "$clawrun_rc"; printf '\n%s\n' '@@clawrun-command-end' >&2
exit "$clawrun_rc"
