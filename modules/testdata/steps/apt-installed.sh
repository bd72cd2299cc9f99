# probe
now=$(date +%s); if [ -d /var/lib/apt/lists ]; then echo "lists_age=$((now - $(stat -c %Y /var/lib/apt/lists)))"; fi
if [ -e '/var/lib/clawrun/apt-update-needed' ]; then echo repo_changed=yes; fi
have_lists=no; for f in /var/lib/apt/lists/*_Packages*; do [ -e "$f" ] && have_lists=yes; break; done; echo "have_lists=$have_lists"
s=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}${Version}\n' 'hello' 'ufw' 2>/dev/null)
set -f; o=$IFS; IFS='
'; j=' '; for l in $s; do echo "pkg $l"; j="$j$l "; done; IFS=$o; set +f; s=$j
want=''; for p in 'hello' 'ufw'; do case "$s" in *" ${p%%:*} ii "*) ;; *) want="$want $p";; esac; done
if [ -n "$want" ]; then sim() { t=$(mktemp -d); mkdir -p "$t/partial"
o="-o Dir::State::Lists=$t -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Debug::NoLocking=1"
apt-get -q $o update >/dev/null 2>&1; apt-get -s -q $o "$@"; rm -rf "$t"; }; sim install --no-install-recommends $want 2>&1 | sed -n 's/^/sim /p'; fi

# no steps
