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
  if [ "$s" != '50251b1e29e83fc8be9949cb403f2bd66b64130de5cf88e2f0499d3beee3c773' ] && [ "$z" -le 16777216 ]; then clawrun_read "$p" "$z" content= content_denied=1; fi
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
  if [ "$s" != 'aa4f28f1fd81131d84c03e29fcc7ddb544af6602e2d19b7b1a35b9595092c471' ] && [ "$z" -le 16777216 ]; then clawrun_read "$p" "$z" content= content_denied=1; fi
fi
else echo type=absent; stat --printf 'parent_mode=%a\nparent_group=%G\n' -- "${p%/*}/" 2>/dev/null; fi
)

# step 1: mark the package lists stale
set -e
mkdir -p -m 0755 -- '/var/lib/clawrun'
: > '/var/lib/clawrun/apt-update-needed'

# step 2: create /etc/apt/keyrings
[ -d /etc/apt/keyrings ] || mkdir -m 0755 -- /etc/apt/keyrings

# step 3: write /etc/apt/keyrings/testrepo.gpg
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

# step 4: write /etc/apt/sources.list.d/testrepo.sources
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
printf %s '\''IyBhcHRfcmVwb3NpdG9yeSAidGVzdHJlcG8iLCBtYW5hZ2VkIGJ5IGNsYXdydW4uCiMgU2lnbmVkLUJ5IGtleSBmaW5nZXJwcmludDogMzExNjcwOUE4NTBBQTNGQUE0OTg4OEI4MjcxNEYwRTQ2MjRFQUZDNQpUeXBlczogZGViClVSSXM6IGh0dHA6Ly8xMC42Ni4wLjE6ODc2NS9zaWduZWQKU3VpdGVzOiBzdGFibGUKQ29tcG9uZW50czogbWFpbgpBcmNoaXRlY3R1cmVzOiBhbWQ2NApTaWduZWQtQnk6IC9ldGMvYXB0L2tleXJpbmdzL3Rlc3RyZXBvLmdwZwo='\'' | base64 -d > "$t"
mv -fT "$t" '\''/etc/apt/sources.list.d/testrepo.sources'\''
trap - EXIT INT TERM HUP
'
if [ -n "$clawrun_as" ]; then
  cd / && printf '%s\n' "$clawrun_body" | setpriv --reuid="$clawrun_as" --regid="$(id -g -- "$clawrun_as")" --init-groups -- /bin/sh -s 3</dev/null
else
  ( eval "$clawrun_body" ) 3</dev/null
fi

