#!/usr/bin/env bash
# testbed.sh — real target hosts for clawrun's tests:
# systemd-nspawn containers (systemd as PID 1, sshd, sudo user, own host keys),
# each in its own network namespace on a private bridge.
#
#   testbed.sh deps            install the tools (Debian packages)
#   testbed.sh base [REL]      build (or reuse) the cached Debian base (bookworm or trixie) and key
#   testbed.sh repo [REL]      build (or reuse) the local package repository of a release
#   testbed.sh up N [T]        boot Debian 12 hosts h1..hN and Debian 13 hosts t1..tT; writes
#                              $STATE/{inventory.hcl (h*), inventory-trixie.hcl (t*), known_hosts}
#   testbed.sh reset NAME...   reboot hosts on a fresh overlay (first-boot state)
#   testbed.sh down            stop every host, remove overlays, namespaces, bridge
#
# CLAWRUN_TESTBED_SLOT=N (0-9, default 0) runs an independent testbed beside
# others: bridge clawtbN, network 10.66.N.0/24, namespaces ctbN-hK, state
# /run/clawrun-testbed-N (slot 0: /run/clawrun-testbed). The cached base and
# package repository are shared. A testbed only ever tears down its own slot.
set -euo pipefail

SLOT=${CLAWRUN_TESTBED_SLOT:-0}
case "$SLOT" in [0-9]) ;; *) echo "testbed: CLAWRUN_TESTBED_SLOT must be 0-9" >&2; exit 2 ;; esac
CACHE=${CLAWRUN_TESTBED_CACHE:-/var/tmp/clawrun-testbed}
if [ "$SLOT" = 0 ]; then STATE=${CLAWRUN_TESTBED:-/run/clawrun-testbed}; else STATE=${CLAWRUN_TESTBED:-/run/clawrun-testbed-$SLOT}; fi
BASE=$CACHE/base
REPO=$CACHE/repo
KEY=$CACHE/id_ed25519
BRIDGE=clawtb$SLOT
NET=10.66.$SLOT
NS=ctb$SLOT-   # prefix of this slot's namespaces and host-side veth names
REPO_PORT=8765
# Bump when the base recipe changes so cached bases are rebuilt.
BASE_VERSION=3
INCLUDE=openssh-server,systemd,systemd-sysv,dbus,iproute2,sudo,cron,ufw,jq,procps,python3,python3-apt,ca-certificates
# Packages the tests and playbooks install from the local repository.
REPO_PKGS="hello fail2ban python3-systemd chrony unattended-upgrades apt-listchanges nginx cowsay sl"

log() { echo "testbed: $*" >&2; }

mirror() {
  local m
  m=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$m" ] || m=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$m" ] || { log "cannot find the Debian mirror apt uses"; exit 1; }
  echo "$m"
}

cmd_deps() {
  local need=()
  for t in debootstrap:debootstrap systemd-nspawn:systemd-container ip:iproute2 dpkg-scanpackages:dpkg-dev ssh-keyscan:openssh-client gpg:gnupg; do
    command -v "${t%%:*}" >/dev/null || need+=("${t#*:}")
  done
  if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

# Testbeds of several slots share the cache: one builds, the others wait.
locked() {
  mkdir -p "$CACHE"
  exec 9>"$CACHE/${LOCK:-.lock}"
  flock 9
  "$@"
  flock -u 9
}

# Per release: bookworm (Debian 12, hosts h*) and trixie (Debian 13, hosts t*).
base_dir() { if [ "${1:-bookworm}" = bookworm ]; then echo "$BASE"; else echo "$BASE-$1"; fi; }
repo_dir() { if [ "${1:-bookworm}" = bookworm ]; then echo "$REPO"; else echo "$REPO-$1"; fi; }
release_of() { case "$1" in t*) echo trixie ;; *) echo bookworm ;; esac; }

cmd_key() { [ -f "$KEY" ] || ssh-keygen -q -t ed25519 -N '' -C clawrun-testbed -f "$KEY"; }

cmd_base() {
  local rel=${1:-bookworm} B
  B=$(base_dir "$rel")
  if [ -f "$B/.clawrun-base-$BASE_VERSION" ] && [ -f "$KEY" ]; then return; fi
  rm -rf "$B" "$B.tmp"
  log "debootstrap $rel base (a few minutes, cached in $CACHE)"
  debootstrap --variant=minbase --include="$INCLUDE" "$rel" "$B.tmp" "$(mirror)" >"$CACHE/debootstrap-$rel.log" 2>&1 \
    || { tail -20 "$CACHE/debootstrap-$rel.log" >&2; exit 1; }
  cmd_key
  local R=$B.tmp
  chroot "$R" useradd -m -s /bin/bash admin
  echo 'admin ALL=(ALL) NOPASSWD:ALL' >"$R/etc/sudoers.d/admin"
  chmod 0440 "$R/etc/sudoers.d/admin"
  for h in "$R/home/admin" "$R/root"; do
    mkdir -p "$h/.ssh"; cp "$KEY.pub" "$h/.ssh/authorized_keys"; chmod 700 "$h/.ssh"; chmod 600 "$h/.ssh/authorized_keys"
  done
  chroot "$R" chown -R admin:admin /home/admin/.ssh
  rm -f "$R"/etc/ssh/ssh_host_*
  cat >"$R/etc/systemd/system/clawrun-hostkeys.service" <<'UNIT'
[Unit]
Description=Generate this host's own SSH host keys
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
UNIT
  chroot "$R" systemctl enable clawrun-hostkeys.service >/dev/null 2>&1
  # The hosts have no route out: packages come from the controller's local repository.
  rm -f "$R/etc/apt/sources.list.d/"*
  : >"$R/etc/apt/sources.list"   # written per slot at boot
  echo 'UseDNS no' >"$R/etc/ssh/sshd_config.d/00-testbed.conf"
  touch "$R/.clawrun-base-$BASE_VERSION"
  mv "$R" "$B"
}

cmd_repo() {
  local rel=${1:-bookworm} RP apt=(apt-get) cache=(apt-cache)
  RP=$(repo_dir "$rel")
  if [ -f "$RP/Packages.gz" ] && [ "$(cat "$RP/.pkgs" 2>/dev/null)" = "$REPO_PKGS" ]; then return; fi
  log "building the local $rel package repository ($REPO_PKGS)"
  rm -rf "$RP"; mkdir -p "$RP"
  if [ "$rel" != bookworm ]; then
    # Another release than the controller's: apt with its own lists of
    # that release, from the same mirror.
    local d=$CACHE/apt-$rel
    mkdir -p "$d/lists/partial" "$d/archives/partial"
    echo "deb $(mirror) $rel main" >"$d/sources.list"
    : >"$d/status"
    local o=(-o "Dir::Etc::sourcelist=$d/sources.list" -o "Dir::Etc::sourceparts=-" -o "Dir::State::lists=$d/lists"
      -o "Dir::State::status=$d/status" -o "Dir::Cache=$d" -o "Dir::Cache::archives=$d/archives" -o "APT::Architecture=$(dpkg --print-architecture)")
    apt=(apt-get "${o[@]}"); cache=(apt-cache "${o[@]}")
  fi
  local deps
  "${apt[@]}" update -qq
  # Every dependency, also those the base has: the repository must be complete.
  deps=$("${cache[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances $REPO_PKGS | grep '^[a-zA-Z0-9]' | sort -u)
  (cd "$RP" && "${apt[@]}" download $deps >/dev/null 2>"$CACHE/repo-$rel.log" || true)
  (cd "$RP" && dpkg-scanpackages . /dev/null 2>/dev/null | gzip -9 >Packages.gz)
  for p in $REPO_PKGS; do ls "$RP/${p}_"*.deb >/dev/null 2>&1 || { log "package $p missing from the $rel repository"; exit 1; }; done
  echo "$REPO_PKGS" >"$RP/.pkgs"
}

# h1 -> .11 (Debian 12), t1 -> .41 (Debian 13)
host_ip() { case "$1" in t*) echo "$NET.$((40 + ${1#t}))" ;; *) echo "$NET.$((10 + ${1#h}))" ;; esac; }

boot() {
  local name=$1 root=$STATE/hosts/$1
  mkdir -p "$root/upper" "$root/work" "$root/root"
  local rel; rel=$(release_of "$name")
  mountpoint -q "$root/root" || mount -t overlay overlay -o "lowerdir=$(base_dir "$rel"),upperdir=$root/upper,workdir=$root/work" "$root/root"
  echo "$name" >"$root/root/etc/hostname"
  printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$name" >"$root/root/etc/hosts"
  local path=/; [ "$rel" = bookworm ] || path=/$rel/   # testbed.go serves each release's repository
  echo "deb [trusted=yes] http://$NET.1:$REPO_PORT$path ./" >"$root/root/etc/apt/sources.list"
  setsid systemd-nspawn --boot --register=no --keep-unit --capability=CAP_NET_ADMIN \
    --network-namespace-path="/run/netns/$NS$name" -D "$root/root" -M "$name" \
    >"$root/console.log" 2>&1 </dev/null &
  echo $! >"$root/pid"
}

netns() {
  local name=$1
  ip netns add "$NS$name"
  ip link add "$NS$name" type veth peer name eth0 netns "$NS$name"
  ip link set "$NS$name" master $BRIDGE up
  ip -n "$NS$name" addr add "$(host_ip "$name")/24" dev eth0
  ip -n "$NS$name" link set eth0 up
  ip -n "$NS$name" link set lo up
}

# wait_ssh waits until the host takes logins: sshd answers long before the
# boot ends, and until then pam_nologin refuses every user but root
# ("System is booting up"); under load that is many seconds. The host key
# is new (first boot), so this check alone does not verify it: the tests
# use known_hosts, written after.
wait_ssh() {
  local name=$1 ip i
  ip=$(host_ip "$name")
  for i in $(seq 1 600); do
    if ssh -i "$KEY" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
      -o LogLevel=ERROR -o ConnectTimeout=2 "admin@$ip" true 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  log "$name ($ip) did not take logins"; tail -30 "$STATE/hosts/$name/console.log" >&2; return 1
}

write_files() {
  local names=("$@") n
  : >"$STATE/known_hosts"
  for n in "${names[@]}"; do ssh-keyscan -T 3 -t ed25519 "$(host_ip "$n")" 2>/dev/null >>"$STATE/known_hosts"; done
  cp "$KEY" "$STATE/id_ed25519"; chmod 600 "$STATE/id_ed25519"
  inventory bookworm "${names[@]}" >"$STATE/inventory.hcl"
  inventory trixie "${names[@]}" >"$STATE/inventory-trixie.hcl"
  printf '%s\n' "${names[@]}" | grep '^h' >"$STATE/hosts.txt" || true
  printf '%s\n' "${names[@]}" | grep '^t' >"$STATE/hosts-trixie.txt" || true
}

# inventory REL NAME... prints the inventory of the hosts of a release.
inventory() {
  local rel=$1 n; shift
  echo "defaults {"
  echo "  user          = \"admin\""
  echo "  identity_file = \"$STATE/id_ed25519\""
  echo "  known_hosts   = \"$STATE/known_hosts\""
  echo "  become        = true"
  echo "}"
  for n in "$@"; do
    [ "$(release_of "$n")" = "$rel" ] || continue
    printf '\nhost "%s" {\n  address = "%s"\n  groups  = ["vps"]\n}\n' "$n" "$(host_ip "$n")"
  done
}

cmd_up() {
  local n=${1:-3} tn=${2:-0} i names=()
  locked cmd_deps
  if [ "$tn" -gt 0 ]; then
    # Both bases at once (debootstrap mostly waits on the mirror), under
    # their own locks; the key they share first.
    locked cmd_key
    local tp
    (LOCK=.lock-trixie; locked cmd_base trixie) &
    tp=$!
    locked cmd_base
    wait "$tp" || { log "building the trixie base failed"; exit 1; }
  else
    locked cmd_base
  fi
  cmd_down   # whatever an earlier, ended run left: mounts, namespaces, bridge
  # Each container's systemd holds many inotify instances: the default
  # limit (128 per user) stops the boot of the 20th host or so.
  raise_sysctl fs.inotify.max_user_instances 4096
  raise_sysctl fs.inotify.max_user_watches 524288
  mkdir -p "$STATE/hosts"
  ip link show $BRIDGE >/dev/null 2>&1 || {
    ip link add $BRIDGE type bridge; ip addr add "$NET.1/24" dev $BRIDGE; ip link set $BRIDGE up; }
  for i in $(seq 1 "$n"); do names+=("h$i"); done
  for i in $(seq 1 "$tn"); do names+=("t$i"); done
  for i in "${names[@]}"; do netns "$i"; boot "$i"; done
  for i in "${names[@]}"; do wait_ssh "$i"; done
  write_files "${names[@]}"
  log "up: ${names[*]} (inventory $STATE/inventory.hcl)"
}

# raise_sysctl KEY MIN raises a machine-wide limit and notes its old value
# in the cache; the last testbed of any slot to go down restores it.
raise_sysctl() {
  local key=$1 min=$2 cur
  cur=$(sysctl -n "$key")
  [ "$cur" -ge "$min" ] && return
  mkdir -p "$CACHE"
  grep -q "^$key=" "$CACHE/sysctl.orig" 2>/dev/null || echo "$key=$cur" >>"$CACHE/sysctl.orig"
  sysctl -qw "$key=$min"
}

restore_sysctls() {
  [ -f "$CACHE/sysctl.orig" ] || return 0
  # Another slot's testbed still runs: it needs the limits.
  ip -o link show type bridge 2>/dev/null | grep -q ' clawtb[0-9]:' && return 0
  local kv
  while read -r kv; do [ -n "$kv" ] && sysctl -qw "$kv" || true; done <"$CACHE/sysctl.orig"
  rm -f "$CACHE/sysctl.orig"
}

stop() {
  local name=$1 root=$STATE/hosts/$1 pid i
  pid=$(cat "$root/pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    for i in $(seq 1 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  umount "$root/root" 2>/dev/null || umount -l "$root/root" 2>/dev/null || true
}

cmd_reset() {
  local n
  for n in "$@"; do
    stop "$n"
    rm -rf "$STATE/hosts/$n/upper" "$STATE/hosts/$n/work"
    # The firewall lives in the network namespace, which outlives the
    # container: a fresh namespace, or a host ufw locked out stays so.
    ip netns del "$NS$n" 2>/dev/null || true
    # The host-side veth goes with the namespace, but not at once: a new
    # one of the same name fails with "File exists" until it has.
    ip link del "$NS$n" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do ip link show "$NS$n" >/dev/null 2>&1 || break; sleep 0.1; done
    netns "$n"
    boot "$n"
  done
  for n in "$@"; do wait_ssh "$n"; done
  write_files $(cat "$STATE/hosts.txt" "$STATE/hosts-trixie.txt" 2>/dev/null)
}

cmd_down() {
  local d
  if [ -d "$STATE/hosts" ]; then
    for d in "$STATE"/hosts/*/; do [ -d "$d" ] && stop "$(basename "$d")"; done
  fi
  for d in $(ip netns list 2>/dev/null | awk -v p="$NS" 'index($1, p) == 1 {print $1}'); do ip netns del "$d" || true; done
  ip link del $BRIDGE 2>/dev/null || true
  rm -rf "$STATE/hosts" "$STATE/signed"   # signed: test/testbed/signedrepo.go
  # Everything up wrote; the folder itself when nothing else is in it.
  rm -f "$STATE/inventory.hcl" "$STATE/inventory-trixie.hcl" "$STATE/known_hosts" "$STATE/id_ed25519" "$STATE/hosts.txt" "$STATE/hosts-trixie.txt"
  rmdir "$STATE" 2>/dev/null || true
  locked restore_sysctls
}

case "${1:-}" in
  deps) cmd_deps ;;
  base) locked cmd_deps; locked cmd_key; if [ "${2:-bookworm}" = bookworm ]; then locked cmd_base; else LOCK=.lock-$2 locked cmd_base "$2"; fi ;;
  repo) locked cmd_deps; locked cmd_repo "${2:-bookworm}" ;;
  up)
    # A boot that fails half-way tears down what it started. (A separate
    # bash: set -e does not apply inside a command tested with ||.)
    shift
    if ! bash "$0" up-only "$@"; then log "up failed: tearing down"; cmd_down; exit 1; fi ;;
  up-only) shift; cmd_up "$@" ;;
  reset) shift; cmd_reset "$@" ;;
  down) cmd_down ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
