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
u='moltbot'
while IFS=: read -r name _ uid gid _ home shell; do
  if [ "$name" = "$u" ]; then echo "passwd=$name:x:$uid:$gid::$home:$shell"; h=$home; pg=$gid; fi
done < /etc/passwd
if [ -n "$h" ]; then
  gs=
  while IFS=: read -r gname _ gid members; do
    case ",$members," in *",$u,"*) gs="$gs $gname";; *) [ "$gid" = "$pg" ] && gs="$gname$gs";; esac
  done < /etc/group
  echo "groups=$gs"

else
  # useradd -m will copy these: later tasks plan against them.
  for f in /etc/skel/.[!.]* /etc/skel/*; do
    if [ -f "$f" ] && [ ! -L "$f" ]; then s=$(stat -c '%a %s' -- "$f")
      if [ "${s#* }" -le 65536 ]; then printf 'skel=%s\t%s\t' "${f#/etc/skel/}" "${s%% *}"; base64 -w0 < "$f"; echo; fi
    fi
  done
fi

# step 1: usermod shell
usermod -s '/bin/bash' -- 'moltbot'
# step 2: usermod groups
usermod -a -G 'sudo' -- 'moltbot'
