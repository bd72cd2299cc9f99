# probe
clawrun_guard() {
  clawrun_as=
  [ "$(id -u)" = 0 ] || return 0
  clawrun_path=$1 clawrun_owner=$2 clawrun_hops=0
  while :; do
    set --; r=${clawrun_path#/}; cur=
    while case $r in */*) true;; *) false;; esac; do
      c=${r%%/*}; r=${r#*/}
      case $c in ''|.) continue;; ..) printf 'clawrun: refusing %s: the path has a ".." component\n' "$clawrun_path" >&2; return 1;; esac
      cur=$cur/$c; set -- "$@" "$cur"
    done
    [ $# -gt 0 ] || return 0
    clawrun_st=$(stat -c '%u %f %U' -- "$@" 2>/dev/null)
    clawrun_i=0 clawrun_again=
    while read -r u f name; do
      [ -n "$u" ] || continue
      clawrun_i=$((clawrun_i + 1)); eval "n=\${$clawrun_i}"
      m=$((0x$f))
      if [ "$u" = 0 ] && [ $((m & 0xF000)) -eq $((0xA000)) ]; then
        t=$(readlink -- "$n"); rest=${clawrun_path#"$n"}
        case $t in /*) clawrun_path=$t$rest;; *) clawrun_path=${n%/*}/$t$rest;; esac
        clawrun_again=1; break
      fi
      if [ $((m & 0xF000)) -ne $((0xA000)) ] && [ $((m & 0x12)) -ne 0 ] && [ $((m & 0x200)) -eq 0 ]; then
        printf 'clawrun: refusing to write %s as root: %s (owner %s, mode %o) is writable by group or others, who could swap it for a symlink\n' "$clawrun_path" "$n" "$name" $((m & 07777)) >&2; return 1
      fi
      if [ "$u" != 0 ]; then
        if [ -n "$clawrun_owner" ] && [ "$clawrun_owner" != "$name" ] && [ "$clawrun_owner" != "$u" ]; then
          printf 'clawrun: refusing to write %s as root: %s is owned by %s, who could swap it for a symlink; clawrun writes there as %s, so owner must be %s (or unset)\n' "$clawrun_path" "$n" "$name" "$name" "$name" >&2; return 1
        fi
        clawrun_as=$u; return 0
      fi
    done <<clawrun_EOF
$clawrun_st
clawrun_EOF
    [ -n "$clawrun_again" ] || return 0
    clawrun_hops=$((clawrun_hops + 1))
    [ "$clawrun_hops" -lt 40 ] || { printf 'clawrun: refusing %s: too many symlinks\n' "$1" >&2; return 1; }
  done
}
clawrun_read() {
  clawrun_guard "$1" "" 2>/dev/null || { printf '%s\n' "$4"; return 0; }
  if [ -z "$clawrun_as" ]; then printf '%s' "$3"; head -c "$2" < "$1" | base64 -w0; echo; return 0; fi
  (cd / && setpriv --reuid="$clawrun_as" --regid="$(id -g -- "$clawrun_as")" --init-groups -- /bin/sh -c 'if [ -r "$1" ]; then printf "%s" "$3"; head -c "$2" -- "$1" | base64 -w0; echo; else printf "%s\n" "$4"; fi' sh "$1" "$2" "$3" "$4")
}
clawrun_readlink() {
  clawrun_guard "$1" "" 2>/dev/null || return 0
  if [ -z "$clawrun_as" ]; then readlink -- "$1"; return 0; fi
  (cd / && setpriv --reuid="$clawrun_as" --regid="$(id -g -- "$clawrun_as")" --init-groups -- readlink -- "$1" 2>/dev/null)
}
echo '@sources'
(
p='/etc/apt/sources.list.d/testrepo.sources'
if [ -L "$p" ]; then printf 'type=link\ntarget='; clawrun_readlink "$p" | base64 -w0; echo
elif [ -e "$p" ]; then
if [ -d "$p" ]; then echo type=directory; elif [ -f "$p" ]; then echo type=file; else echo type=other; fi
stat --printf 'mode=%a\nowner=%U\ngroup=%G\nsize=%s\nowner_id=%u\ngroup_id=%g\n' -- "$p"
if [ -f "$p" ]; then s=$(sha256sum < "$p"); s=${s%% *}; echo "sha256=$s"
  z=$(stat -c %s -- "$p")
  if [ "$s" != '3be48624ae72f280a65b3c69663c1ce6fe7b4465d2de643a9945e2cc9f0d82b6' ] && [ "$z" -le 16777216 ]; then clawrun_read "$p" "$z" content= content_denied=1; fi
fi
else echo type=absent; stat --printf 'parent_mode=%a\nparent_group=%G\n' -- "${p%/*}/" 2>/dev/null; fi
)
echo '@keyring'
(
p='/etc/apt/keyrings/testrepo.gpg'
if [ -L "$p" ]; then printf 'type=link\ntarget='; clawrun_readlink "$p" | base64 -w0; echo
elif [ -e "$p" ]; then
if [ -d "$p" ]; then echo type=directory; elif [ -f "$p" ]; then echo type=file; else echo type=other; fi
stat --printf 'mode=%a\nowner=%U\ngroup=%G\nsize=%s\nowner_id=%u\ngroup_id=%g\n' -- "$p"
if [ -f "$p" ]; then s=$(sha256sum < "$p"); s=${s%% *}; echo "sha256=$s"
  z=$(stat -c %s -- "$p")
  if [ "$s" != '' ] && [ "$z" -le 16777216 ]; then clawrun_read "$p" "$z" content= content_denied=1; fi
fi
else echo type=absent; stat --printf 'parent_mode=%a\nparent_group=%G\n' -- "${p%/*}/" 2>/dev/null; fi
)
if [ ! -f '/etc/apt/keyrings/testrepo.gpg' ] || [ ! -f '/etc/apt/sources.list.d/testrepo.sources' ] || [ '/etc/apt/keyrings/testrepo.gpg' -nt '/etc/apt/sources.list.d/testrepo.sources' ] || ! grep -qxF '# Signed-By key fingerprint: 3116709A850AA3FAA49888B82714F0E4624EAFC5' '/etc/apt/sources.list.d/testrepo.sources' 2>/dev/null; then
echo '@fetched'
(
u='https://example.com/key.asc'; t=$(mktemp) || exit 1; e=$(mktemp) || exit 1
if command -v curl >/dev/null 2>&1; then curl -fsSL --max-filesize 1048576 --max-time 60 --proto =https,http -o "$t" -- "$u" 2>"$e"
elif command -v wget >/dev/null 2>&1; then wget -q -T 60 -O "$t" -- "$u" 2>"$e"
elif [ -x /usr/lib/apt/apt-helper ]; then /usr/lib/apt/apt-helper download-file "$u" "$t" >"$e" 2>&1
else echo 'no curl, wget or apt-helper to fetch the key with' >"$e"; false; fi
rc=$?
if [ "$rc" = 0 ]; then printf 'fetched='; head -c 1048577 "$t" | base64 -w0; echo; else printf 'fetch_error='; head -c 300 "$e" | base64 -w0; echo; fi
rm -f "$t" "$e"
)
fi

# step 1: mark the package lists stale
set -e
mkdir -p -m 0755 -- '/var/lib/clawrun'
: > '/var/lib/clawrun/apt-update-needed'

# step 2: write /etc/apt/keyrings/testrepo.gpg
clawrun_guard() {
  clawrun_as=
  [ "$(id -u)" = 0 ] || return 0
  clawrun_path=$1 clawrun_owner=$2 clawrun_hops=0
  while :; do
    set --; r=${clawrun_path#/}; cur=
    while case $r in */*) true;; *) false;; esac; do
      c=${r%%/*}; r=${r#*/}
      case $c in ''|.) continue;; ..) printf 'clawrun: refusing %s: the path has a ".." component\n' "$clawrun_path" >&2; return 1;; esac
      cur=$cur/$c; set -- "$@" "$cur"
    done
    [ $# -gt 0 ] || return 0
    clawrun_st=$(stat -c '%u %f %U' -- "$@" 2>/dev/null)
    clawrun_i=0 clawrun_again=
    while read -r u f name; do
      [ -n "$u" ] || continue
      clawrun_i=$((clawrun_i + 1)); eval "n=\${$clawrun_i}"
      m=$((0x$f))
      if [ "$u" = 0 ] && [ $((m & 0xF000)) -eq $((0xA000)) ]; then
        t=$(readlink -- "$n"); rest=${clawrun_path#"$n"}
        case $t in /*) clawrun_path=$t$rest;; *) clawrun_path=${n%/*}/$t$rest;; esac
        clawrun_again=1; break
      fi
      if [ $((m & 0xF000)) -ne $((0xA000)) ] && [ $((m & 0x12)) -ne 0 ] && [ $((m & 0x200)) -eq 0 ]; then
        printf 'clawrun: refusing to write %s as root: %s (owner %s, mode %o) is writable by group or others, who could swap it for a symlink\n' "$clawrun_path" "$n" "$name" $((m & 07777)) >&2; return 1
      fi
      if [ "$u" != 0 ]; then
        if [ -n "$clawrun_owner" ] && [ "$clawrun_owner" != "$name" ] && [ "$clawrun_owner" != "$u" ]; then
          printf 'clawrun: refusing to write %s as root: %s is owned by %s, who could swap it for a symlink; clawrun writes there as %s, so owner must be %s (or unset)\n' "$clawrun_path" "$n" "$name" "$name" "$name" >&2; return 1
        fi
        clawrun_as=$u; return 0
      fi
    done <<clawrun_EOF
$clawrun_st
clawrun_EOF
    [ -n "$clawrun_again" ] || return 0
    clawrun_hops=$((clawrun_hops + 1))
    [ "$clawrun_hops" -lt 40 ] || { printf 'clawrun: refusing %s: too many symlinks\n' "$1" >&2; return 1; }
  done
}
clawrun_guard '/etc/apt/keyrings/testrepo.gpg' 'root' || exit 1
clawrun_body='set -e
t=$(mktemp '\''/etc/apt/keyrings/.clawrun.testrepo.gpg.XXXXXX'\'')
trap '\''rm -f "$t"'\'' EXIT INT TERM HUP
if [ -e '\''/etc/apt/keyrings/testrepo.gpg'\'' ] && [ ! -L '\''/etc/apt/keyrings/testrepo.gpg'\'' ]; then chown --reference='\''/etc/apt/keyrings/testrepo.gpg'\'' "$t" 2>/dev/null || [ "$(id -u)" != 0 ]; chmod --reference='\''/etc/apt/keyrings/testrepo.gpg'\'' "$t"; else chmod 0644 "$t"; fi
if [ -L "$t" ]; then echo '\''clawrun: refusing to chmod a symlink'\'' >&2; exit 1; fi
chown -h -- '\''root'\'':'\''root'\'' "$t"
chmod '\''00644'\'' "$t"
printf %s '\''mDMEawl/VRYJKwYBBAHaRw8BAQdA8d3nde2fyhK5ZropHRCze95W6Rt9qQ9SsUm7NVT/uMu0LWNsYXdydW4gdGVzdCByZXBvc2l0b3J5IEEgPGFAZXhhbXBsZS5pbnZhbGlkPoiQBBMWCAA4FiEEMRZwmoUKo/qkmIi4JxTw5GJOr8UFAmsJf1UCGwMFCwkIBwIGFQoJCAsCBBYCAwECHgECF4AACgkQJxTw5GJOr8VUAwD+Pr3VyN0ug6bjfXgCLZ7VDRUceXYdFPPPotMIyRReO0AA/3dFvUbkDDaJqRRSxtwBksNBwKh9Eh8iQEkR9BGOkPED'\'' | base64 -d > "$t"
mv -fT "$t" '\''/etc/apt/keyrings/testrepo.gpg'\''
trap - EXIT INT TERM HUP
'
if [ -n "$clawrun_as" ]; then
  cd / && printf '%s\n' "$clawrun_body" | setpriv --reuid="$clawrun_as" --regid="$(id -g -- "$clawrun_as")" --init-groups -- /bin/sh -s 3</dev/null
else
  ( eval "$clawrun_body" ) 3</dev/null
fi

# step 3: write /etc/apt/sources.list.d/testrepo.sources
clawrun_guard() {
  clawrun_as=
  [ "$(id -u)" = 0 ] || return 0
  clawrun_path=$1 clawrun_owner=$2 clawrun_hops=0
  while :; do
    set --; r=${clawrun_path#/}; cur=
    while case $r in */*) true;; *) false;; esac; do
      c=${r%%/*}; r=${r#*/}
      case $c in ''|.) continue;; ..) printf 'clawrun: refusing %s: the path has a ".." component\n' "$clawrun_path" >&2; return 1;; esac
      cur=$cur/$c; set -- "$@" "$cur"
    done
    [ $# -gt 0 ] || return 0
    clawrun_st=$(stat -c '%u %f %U' -- "$@" 2>/dev/null)
    clawrun_i=0 clawrun_again=
    while read -r u f name; do
      [ -n "$u" ] || continue
      clawrun_i=$((clawrun_i + 1)); eval "n=\${$clawrun_i}"
      m=$((0x$f))
      if [ "$u" = 0 ] && [ $((m & 0xF000)) -eq $((0xA000)) ]; then
        t=$(readlink -- "$n"); rest=${clawrun_path#"$n"}
        case $t in /*) clawrun_path=$t$rest;; *) clawrun_path=${n%/*}/$t$rest;; esac
        clawrun_again=1; break
      fi
      if [ $((m & 0xF000)) -ne $((0xA000)) ] && [ $((m & 0x12)) -ne 0 ] && [ $((m & 0x200)) -eq 0 ]; then
        printf 'clawrun: refusing to write %s as root: %s (owner %s, mode %o) is writable by group or others, who could swap it for a symlink\n' "$clawrun_path" "$n" "$name" $((m & 07777)) >&2; return 1
      fi
      if [ "$u" != 0 ]; then
        if [ -n "$clawrun_owner" ] && [ "$clawrun_owner" != "$name" ] && [ "$clawrun_owner" != "$u" ]; then
          printf 'clawrun: refusing to write %s as root: %s is owned by %s, who could swap it for a symlink; clawrun writes there as %s, so owner must be %s (or unset)\n' "$clawrun_path" "$n" "$name" "$name" "$name" >&2; return 1
        fi
        clawrun_as=$u; return 0
      fi
    done <<clawrun_EOF
$clawrun_st
clawrun_EOF
    [ -n "$clawrun_again" ] || return 0
    clawrun_hops=$((clawrun_hops + 1))
    [ "$clawrun_hops" -lt 40 ] || { printf 'clawrun: refusing %s: too many symlinks\n' "$1" >&2; return 1; }
  done
}
clawrun_guard '/etc/apt/sources.list.d/testrepo.sources' 'root' || exit 1
clawrun_body='set -e
t=$(mktemp '\''/etc/apt/sources.list.d/.clawrun.testrepo.sources.XXXXXX'\'')
trap '\''rm -f "$t"'\'' EXIT INT TERM HUP
if [ -e '\''/etc/apt/sources.list.d/testrepo.sources'\'' ] && [ ! -L '\''/etc/apt/sources.list.d/testrepo.sources'\'' ]; then chown --reference='\''/etc/apt/sources.list.d/testrepo.sources'\'' "$t" 2>/dev/null || [ "$(id -u)" != 0 ]; chmod --reference='\''/etc/apt/sources.list.d/testrepo.sources'\'' "$t"; else chmod 0644 "$t"; fi
if [ -L "$t" ]; then echo '\''clawrun: refusing to chmod a symlink'\'' >&2; exit 1; fi
chown -h -- '\''root'\'':'\''root'\'' "$t"
chmod '\''00644'\'' "$t"
printf %s '\''IyBhcHRfcmVwb3NpdG9yeSAidGVzdHJlcG8iLCBtYW5hZ2VkIGJ5IGNsYXdydW4uCiMgU2lnbmVkLUJ5IGtleSBmaW5nZXJwcmludDogMzExNjcwOUE4NTBBQTNGQUE0OTg4OEI4MjcxNEYwRTQ2MjRFQUZDNQpUeXBlczogZGViClVSSXM6IGh0dHBzOi8vZXhhbXBsZS5jb20vZGViaWFuClN1aXRlczogc3RhYmxlCkNvbXBvbmVudHM6IG1haW4KU2lnbmVkLUJ5OiAvZXRjL2FwdC9rZXlyaW5ncy90ZXN0cmVwby5ncGcK'\'' | base64 -d > "$t"
mv -fT "$t" '\''/etc/apt/sources.list.d/testrepo.sources'\''
trap - EXIT INT TERM HUP
'
if [ -n "$clawrun_as" ]; then
  cd / && printf '%s\n' "$clawrun_body" | setpriv --reuid="$clawrun_as" --regid="$(id -g -- "$clawrun_as")" --init-groups -- /bin/sh -s 3</dev/null
else
  ( eval "$clawrun_body" ) 3</dev/null
fi

