# probe
(
clawrun_up() {
  d=$(mktemp -d) || return 2
  code=
  if command -v curl >/dev/null 2>&1; then code=$(curl -s -o "$d/b" -w '%{http_code}' --max-time 5 --max-filesize 1048576 -- 'http://127.0.0.1:18789/health' 2>/dev/null)
  elif command -v wget >/dev/null 2>&1; then wget -q -S -T 5 -t 1 -O "$d/b" -- 'http://127.0.0.1:18789/health' 2>"$d/h"; code=$(sed -n 's/^ *HTTP\/[^ ]* \([0-9][0-9]*\).*/\1/p' "$d/h" | tail -n 1)
  elif command -v bash >/dev/null 2>&1; then timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf %s "$3" >&3 && head -c 1048576 <&3' _ '127.0.0.1' 18789 'GET /health HTTP/1.0
Host: 127.0.0.1
Connection: close

' >"$d/r" 2>/dev/null
    code=$(head -n 1 "$d/r" | sed -n 's/^HTTP\/[^ ]* \([0-9][0-9]*\).*/\1/p'); sed '1,/^\r*$/d' "$d/r" >"$d/b"
  else rm -rf "$d"; echo 'clawrun: wait needs curl, wget or bash on the host to fetch a URL' >&2; return 2; fi
  rc=1; if [ "$code" = 204 ] && grep -qF -- 'ok' "$d/b" 2>/dev/null; then rc=0; fi
  rm -rf "$d"; return $rc
}
clawrun_up; rc=$?
if [ "$rc" -eq 2 ]; then exit 2; fi
echo "up=$rc"
)
# no steps
