# probe
(
clawrun_up() {
  if command -v bash >/dev/null 2>&1; then
    timeout 5 bash -s >/dev/null 2>&1 <<'CLAWRUN_WAIT_EOF' && return 0
exec 3<>"/dev/tcp/"'127.0.0.1'"/18789"
CLAWRUN_WAIT_EOF
    return 1
  fi
  if command -v nc >/dev/null 2>&1; then nc -z -w 5 '127.0.0.1' 18789 >/dev/null 2>&1 && return 0; return 1; fi
  echo 'clawrun: wait needs bash or nc on the host to test a port' >&2; return 2
}
clawrun_up; rc=$?
if [ "$rc" -eq 2 ]; then exit 2; fi
echo "up=$rc"
)
# no steps
# check 1: wait
clawrun_up() {
  if command -v bash >/dev/null 2>&1; then
    timeout 5 bash -s >/dev/null 2>&1 <<'CLAWRUN_WAIT_EOF' && return 0
exec 3<>"/dev/tcp/"'127.0.0.1'"/18789"
CLAWRUN_WAIT_EOF
    return 1
  fi
  if command -v nc >/dev/null 2>&1; then nc -z -w 5 '127.0.0.1' 18789 >/dev/null 2>&1 && return 0; return 1; fi
  echo 'clawrun: wait needs bash or nc on the host to test a port' >&2; return 2
}
end=$(( $(date +%s) + 30 ))
printf '%s\n' 'clawrun-notice: waiting for 127.0.0.1:18789 to accept connections' >&2
while :; do
  if clawrun_up; then rc=0; else rc=$?; fi
  if [ "$rc" -eq 2 ]; then exit 2; fi
  if [ "$rc" -eq 0 ]; then exit 0; fi
  if [ "$(date +%s)" -ge "$end" ]; then printf '%s\n' 'clawrun: timed out after 30 s waiting for 127.0.0.1:18789 to accept connections: see the service'\''s log (journalctl -u UNIT), or raise timeout if it starts slowly' >&2; exit 1; fi
  sleep 1
done

