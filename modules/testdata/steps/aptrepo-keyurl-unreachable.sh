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

# plan error: cannot fetch the key of testrepo from https://example.com/key.asc: curl: (22) The requested URL returned error: 404; check the URL and the host's network
