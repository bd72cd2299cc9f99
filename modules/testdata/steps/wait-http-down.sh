# probe
(
clawrun_up() {
  d=$(mktemp -d) || return 2
  code=
  if command -v curl >/dev/null 2>&1; then code=$(curl -s -o "$d/b" -w '%{http_code}' --max-time 5 --max-filesize 1048576 -K - 2>/dev/null <<'CLAWRUN_WAIT_EOF'
url = "http://127.0.0.1:18789/health"
CLAWRUN_WAIT_EOF
)
  elif command -v wget >/dev/null 2>&1; then wget -q -S -T 5 -t 1 -O "$d/b" -i - 2>"$d/h" <<'CLAWRUN_WAIT_EOF'
http://127.0.0.1:18789/health
CLAWRUN_WAIT_EOF
    code=$(sed -n 's/^ *HTTP\/[^ ]* \([0-9][0-9]*\).*/\1/p' "$d/h" | tail -n 1)
  elif command -v bash >/dev/null 2>&1; then timeout 5 bash -s >"$d/r" 2>/dev/null <<'CLAWRUN_WAIT_EOF'
exec 3<>"/dev/tcp/"'127.0.0.1'"/18789" && printf %s 'GET /health HTTP/1.0
Host: 127.0.0.1
Connection: close

' >&3 && head -c 1048576 <&3
CLAWRUN_WAIT_EOF
    code=$(head -n 1 "$d/r" | sed -n 's/^HTTP\/[^ ]* \([0-9][0-9]*\).*/\1/p'); sed '1,/^\r*$/d' "$d/r" >"$d/b"
  else rm -rf "$d"; echo 'clawrun: wait needs curl, wget or bash on the host to fetch a URL' >&2; return 2; fi
  rc=1; if [ "$code" = 204 ]; then rc=0; fi
  if [ "$rc" = 0 ]; then body=$(head -c 1048576 "$d/b" 2>/dev/null); c='ok'; case $body in *"$c"*) ;; *) rc=1 ;; esac; fi
  rm -rf "$d"; return $rc
}
clawrun_up; rc=$?
if [ "$rc" -eq 2 ]; then exit 2; fi
echo "up=$rc"
)
# no steps
# check 1: wait
clawrun_up() {
  d=$(mktemp -d) || return 2
  code=
  if command -v curl >/dev/null 2>&1; then code=$(curl -s -o "$d/b" -w '%{http_code}' --max-time 5 --max-filesize 1048576 -K - 2>/dev/null <<'CLAWRUN_WAIT_EOF'
url = "http://127.0.0.1:18789/health"
CLAWRUN_WAIT_EOF
)
  elif command -v wget >/dev/null 2>&1; then wget -q -S -T 5 -t 1 -O "$d/b" -i - 2>"$d/h" <<'CLAWRUN_WAIT_EOF'
http://127.0.0.1:18789/health
CLAWRUN_WAIT_EOF
    code=$(sed -n 's/^ *HTTP\/[^ ]* \([0-9][0-9]*\).*/\1/p' "$d/h" | tail -n 1)
  elif command -v bash >/dev/null 2>&1; then timeout 5 bash -s >"$d/r" 2>/dev/null <<'CLAWRUN_WAIT_EOF'
exec 3<>"/dev/tcp/"'127.0.0.1'"/18789" && printf %s 'GET /health HTTP/1.0
Host: 127.0.0.1
Connection: close

' >&3 && head -c 1048576 <&3
CLAWRUN_WAIT_EOF
    code=$(head -n 1 "$d/r" | sed -n 's/^HTTP\/[^ ]* \([0-9][0-9]*\).*/\1/p'); sed '1,/^\r*$/d' "$d/r" >"$d/b"
  else rm -rf "$d"; echo 'clawrun: wait needs curl, wget or bash on the host to fetch a URL' >&2; return 2; fi
  rc=1; if [ "$code" = 204 ]; then rc=0; fi
  if [ "$rc" = 0 ]; then body=$(head -c 1048576 "$d/b" 2>/dev/null); c='ok'; case $body in *"$c"*) ;; *) rc=1 ;; esac; fi
  rm -rf "$d"; return $rc
}
end=$(( $(date +%s) + 60 ))
printf '%s\n' 'clawrun-notice: waiting for http://127.0.0.1:18789/health to answer 204 with "ok"' >&2
while :; do
  if clawrun_up; then rc=0; else rc=$?; fi
  if [ "$rc" -eq 2 ]; then exit 2; fi
  if [ "$rc" -eq 0 ]; then exit 0; fi
  if [ "$(date +%s)" -ge "$end" ]; then printf '%s\n' 'clawrun: timed out after 60 s waiting for http://127.0.0.1:18789/health to answer 204 with "ok": see the service'\''s log (journalctl -u UNIT), or raise timeout if it starts slowly' >&2; exit 1; fi
  sleep 1
done

