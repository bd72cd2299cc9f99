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
# plan error: unexpected wait probe output ""
