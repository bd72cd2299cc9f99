#!/usr/bin/env bash
# bench/scale.sh N: the controller's cost at N hosts, against the OpenSSH floor.
#
# Everything runs inside fresh network and mount namespaces (unshare --net
# --mount; the mount namespace only hides root's ~/.bashrc, see below). The
# network namespace's only interface is its own loopback: one sshd listens
# there on port 2222 of every address, and since all of 127.0.0.0/8 routes
# to lo, each of the N inventory hosts gets a distinct address 127.1.x.y.
# Nothing outside 127.0.0.0/8 can be reached from the namespace (it has no
# other interface and no route), and the namespace, its sshd and every
# client die with the script (trap).
#
# Steps: converge the 10-task playbook bench/scale/scale.hcl once (as root,
# become = false, over /tmp/clawrun-scale/<host>/ only; beyond CONVERGE=200
# hosts the rest get a copy of h0001's folder), then run a no-change
# apply once through an sshd whose ForceCommand tees what clawrun sends into
# a file per address: that is the probe. Then, alternately, 3 timed
# no-change applies and 3 times the floor: the same probe sent by OpenSSH
# (`ssh -T host /bin/sh -s < probe`, ControlMaster off, with the key
# exchange, cipher and MAC clawrun negotiated, read from the capture sshd's
# log) with xargs -P at clawrun's --forks. Medians are compared. Last line:
#   hosts=N clawrun_s=X floor_s=Y ratio=R rss_mb=M cpu_ms_per_host=C failures=F
# rss_mb is the controller's largest max RSS of the timed runs, cpu_ms_per_host
# its user+system CPU (median run) over N, failures the hosts failed or
# unreachable in any clawrun run plus the floor's failed ssh commands.
#
# Needs root (network namespace, sshd), /usr/sbin/sshd (openssh-server; its
# service need not run), ssh, ssh-keygen, ssh-keyscan, jq, bc, /usr/bin/time
# (time), unshare and setsid (util-linux), timeout, xargs, ip, Go: all
# checked first.
#   FORKS=50 (clawrun's default) REPS=3 CONVERGE=200 KEEP=1 (keep the state folders)
#   PROFILE=DIR (CPU and heap profiles of the first timed run, go tool pprof)
set -euo pipefail
SELF=$(readlink -f "$0")
cd "$(dirname "$SELF")/.."
N=${1:-}
FORKS=${FORKS:-50}
REPS=${REPS:-3}
PORT=2222
STATE=/tmp/clawrun-scale
die() { echo "scale: $*" >&2; exit 1; }
case "$N" in '' | *[!0-9]*) die "usage: bench/scale.sh N (1..5000 hosts)" ;; esac
[ "$N" -ge 1 ] && [ "$N" -le 5000 ] || die "N must be 1..5000 (addresses 127.1.0.1 .. 127.1.19.250)"
case "$FORKS" in '' | *[!0-9]*) die "FORKS must be a number of at least 1, not '$FORKS'" ;; esac
case "$REPS" in '' | *[!0-9]*) die "REPS must be a number of at least 1, not '$REPS'" ;; esac
[ "$FORKS" -ge 1 ] || die "FORKS must be at least 1, not $FORKS"
[ "$REPS" -ge 1 ] || die "REPS must be at least 1, not $REPS"

if [ -z "${CLAWRUN_SCALE_NETNS:-}" ]; then
  [ "$(id -u)" = 0 ] || die "needs root: it makes a network namespace and runs sshd in it"
  export PATH="$PATH:/usr/local/go/bin"
  # Every tool, checked before anything starts: TOOL:DEBIAN-PACKAGE.
  for t in /usr/sbin/sshd:openssh-server ssh:openssh-client ssh-keygen:openssh-client ssh-keyscan:openssh-client \
    jq:jq bc:bc /usr/bin/time:time unshare:util-linux setsid:util-linux setpriv:util-linux flock:util-linux \
    timeout:coreutils xargs:findutils ip:iproute2 go:golang-go; do
    command -v "${t%%:*}" >/dev/null || die "${t%%:*} is missing: install the Debian package ${t#*:} (apt-get install ${t#*:})"
  done
  # One run at a time (they share /tmp/clawrun-scale); the lock is held by
  # every process of this run, so a killed run's folders are stale once
  # the lock is free again.
  # /run, not the world-writable /run/lock: nobody else can plant a link
  # there for root to follow; opened without truncating.
  exec 8<>/run/clawrun-scale.lock
  flock -n 8 || die "another bench/scale.sh is running (lock /run/clawrun-scale.lock)"
  rm -rf /tmp/clawrun-scale-ctl.*
  mkdir -p bench/out
  go build -o bench/out/clawrun ./cmd/clawrun
  # Bounded in time: a hung run ends here at the latest. --foreground keeps
  # the script in the terminal's process group, so that Ctrl-C reaches its
  # trap (which ends every process it started before removing anything).
  # pdeathsig: killing this script (now timeout) outright takes the inner
  # script along, and with it its sshd.
  exec timeout --foreground -k 10 $((600 + N * 6)) unshare --net --mount -- \
    setpriv --pdeathsig KILL env CLAWRUN_SCALE_NETNS=1 bash "$SELF" "$@"
fi

# Inside the namespaces from here on.
ip link set lo up
# sshd runs each session through root's login shell, and bash sources
# ~/.bashrc when sshd starts it: on a developer machine that may run
# anything (here `pyenv init`, whose rehash takes one lock shared by every
# session: bursts of sessions queued on it). Each real host has its own;
# in this private mount namespace it is an empty file, for clawrun and the
# floor alike.
rc=$(getent passwd root | cut -d: -f6)/.bashrc
if [ -f "$rc" ]; then mount --bind /dev/null "$rc"; fi
BIN=$PWD/bench/out/clawrun
PLAYBOOK=$PWD/bench/scale/scale.hcl
TMP=$(mktemp -d /tmp/clawrun-scale-ctl.XXXXXX)
SSHD_PID= CHILD=
# Long steps run as their own process group in the background, so that a
# signal reaches the trap at once and the trap can end the whole step.
step() {
  setsid "$@" &
  CHILD=$!
  wait "$CHILD" || true
  CHILD=
}
# stop_group PGID: TERM, up to 10 s for the group to exit, then KILL, and
# wait until it is gone: nothing may still write while the trap removes
# the folders.
stop_group() {
  kill -TERM -- -"$1" 2>/dev/null || return 0
  for _ in $(seq 100); do
    kill -0 -- -"$1" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- -"$1" 2>/dev/null
  while kill -0 -- -"$1" 2>/dev/null; do sleep 0.1; done
}
cleanup() {
  # No errexit here: a failed wait (a child killed) must not end the
  # cleanup before the folders are removed.
  set +e
  trap '' INT TERM HUP
  if [ -n "$CHILD" ]; then
    stop_group "$CHILD"
    wait "$CHILD" 2>/dev/null
  fi
  if [ -n "$SSHD_PID" ]; then
    kill "$SSHD_PID" 2>/dev/null
    wait "$SSHD_PID" 2>/dev/null
  fi
  [ -n "${KEEP:-}" ] && echo "scale: kept $TMP" >&2 || rm -rf "$TMP"
  [ -n "${KEEP:-}" ] || rm -rf "$STATE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# The hosts' folders: created fresh by root, never through someone's link.
if [ -e "$STATE" ] || [ -L "$STATE" ]; then
  [ -d "$STATE" ] && [ ! -L "$STATE" ] && [ "$(stat -c %u "$STATE")" = 0 ] || die "$STATE exists and is not root's folder: remove it"
  rm -rf "$STATE"
fi
mkdir -m 0700 "$STATE"

addr() { echo "127.1.$(($1 / 250)).$(($1 % 250 + 1))"; }
ssh-keygen -q -t ed25519 -N '' -f "$TMP/host_key" -C scale-host
ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" -C scale-client
cp "$TMP/id.pub" "$TMP/authorized_keys"
hostkey=$(cut -d' ' -f1,2 "$TMP/host_key.pub")
{
  echo 'defaults {'
  echo '  user            = "root"'
  echo "  port            = $PORT"
  echo "  identity_file   = \"$TMP/id\""
  echo "  known_hosts     = \"$TMP/known_hosts\""
  echo '  become          = false'
  echo '  connect_timeout = 60'
  echo '}'
  for i in $(seq 0 $((N - 1))); do
    a=$(addr "$i")
    printf 'host "h%04d" {\n  address = "%s"\n}\n' "$((i + 1))" "$a"
    echo "[$a]:$PORT $hostkey" >>"$TMP/known_hosts"
    echo "$a" >>"$TMP/addrs"
  done
} >"$TMP/inventory.hcl"

# ForceCommand of the capture sshd: records the bytes of every session.
mkdir "$TMP/probe"
cat >"$TMP/capture.sh" <<EOF
#!/bin/sh
set -- \$SSH_CONNECTION
tee "$TMP/probe/\$3.\$\$" | /bin/sh -c "\$SSH_ORIGINAL_COMMAND"
EOF
chmod 0755 "$TMP/capture.sh"
mkdir -p /run/sshd
sshd_config() {
  cat <<EOF
Port $PORT
ListenAddress 0.0.0.0
HostKey $TMP/host_key
PidFile none
AuthorizedKeysFile $TMP/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
MaxStartups 2000
MaxSessions 20
LogLevel $([ "$1" = capture ] && echo DEBUG1 || echo ERROR)
Subsystem sftp internal-sftp
EOF
  [ "$1" = capture ] && echo "ForceCommand $TMP/capture.sh"
  true
}
start_sshd() {
  sshd_config "$1" >"$TMP/sshd_config"
  # pdeathsig: a SIGKILLed script takes its sshd along (traps cannot run).
  setpriv --pdeathsig KILL /usr/sbin/sshd -D -f "$TMP/sshd_config" -E "$TMP/sshd.log" &
  SSHD_PID=$!
  for _ in $(seq 100); do
    ssh-keyscan -p "$PORT" 127.1.0.1 >/dev/null 2>&1 && return
    sleep 0.1
  done
  die "sshd did not start: $(cat "$TMP/sshd.log")"
}
stop_sshd() { kill "$SSHD_PID"; wait "$SSHD_PID" 2>/dev/null || true; SSHD_PID=; }

export CLAWRUN_SSH_CONFIG=none
# clawrun LABEL [ARGS]: one apply, its JSON events in $TMP/LABEL.json and
# "seconds maxrss_kb cpu_s" in $TMP/LABEL.time.
clawrun() {
  local prof=()
  # PROFILE=DIR: CPU and heap profiles of the first timed run.
  [ -n "${PROFILE:-}" ] && [ "$1" = c1 ] && prof=(env CLAWRUN_CPUPROFILE="$PROFILE/cpu-$N.pprof" CLAWRUN_MEMPROFILE="$PROFILE/heap-$N.pprof")
  local label=$1
  shift
  step /usr/bin/time -f '%e %M %U %S' -o "$TMP/$label.rusage" \
    "${prof[@]}" "$BIN" apply "$PLAYBOOK" -i "$TMP/inventory.hcl" --forks "$FORKS" --format json "$@" >"$TMP/$label.json" 2>"$TMP/$label.err"
  set -- "$label"
  read -r wall rss u s <"$TMP/$1.rusage"
  echo "$wall $rss $(echo "$u + $s" | bc -l)" >"$TMP/$1.time"
  jq -s '[.[] | select(.type == "run_done") | .recap[] | select(.failed > 0 or .unreachable > 0)] | length' "$TMP/$1.json" >"$TMP/$1.failed"
  jq -s '[.[] | select(.type == "run_done") | .recap[] | .changed] | add // 0' "$TMP/$1.json" >"$TMP/$1.changed"
  [ -n "$(jq -s '.[] | select(.type == "run_done")' "$TMP/$1.json")" ] || die "$1: clawrun gave no recap: $(tail -5 "$TMP/$1.err")"
}
floor() {
  local start end
  start=$(date +%s.%N)
  step xargs -a "$TMP/addrs" -P "$FORKS" -I{} sh -c 'ssh -F /dev/null -T -o BatchMode=yes -o ControlMaster=no -o ControlPath=none \
      -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$1/known_hosts" -o ConnectTimeout=60 $4 \
      -i "$1/id" -p "$2" root@"$3" /bin/sh -s <"$1/probe/$3" >/dev/null 2>&1 || echo "$3" >>"$1/floor.failed"' \
    _ "$TMP" "$PORT" {} "$FLOOR_ALGS"
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l >"$TMP/$1.time"
}

start_sshd capture
# Converging is the slow part (11 round trips per host): clawrun converges
# the first CONVERGE hosts, the others get a copy of h0001's folder with
# its name replaced. The recorded no-change run then proves, for all N,
# that clawrun has nothing to change.
CONVERGE=${CONVERGE:-200}
case "$CONVERGE" in '' | *[!0-9]*) die "CONVERGE must be a number" ;; esac
[ "$CONVERGE" -ge 1 ] || CONVERGE=1
echo "scale: $N hosts, forks $FORKS: converging $((N < CONVERGE ? N : CONVERGE))" >&2
if [ "$N" -le "$CONVERGE" ]; then
  clawrun converge
else
  clawrun converge --limit "$(seq -f 'h%04g' 1 "$CONVERGE" | paste -sd,)"
  for i in $(seq $((CONVERGE + 1)) "$N"); do
    h=$(printf 'h%04d' "$i")
    cp -a "$STATE/h0001" "$STATE/$h"
    sed -i "s/(h0001)/($h)/" "$STATE/$h/etc/motd"
  done
fi
[ "$(cat "$TMP/converge.failed")" = 0 ] || die "converge failed on $(cat "$TMP/converge.failed") hosts: $(jq -c 'select(.status == "failed" or .status == "unreachable")' "$TMP/converge.json" | head -3)"
rm -f "$TMP"/probe/*
# What sshd logs from here on is the recorded run's (not the converging
# run's, nor ssh-keyscan's readiness checks, which take OpenSSH's defaults).
logged=$(wc -l <"$TMP/sshd.log")
clawrun capture
[ "$(cat "$TMP/capture.changed")" = 0 ] || die "the no-change run changed $(cat "$TMP/capture.changed") tasks"
stop_sshd
# The floor negotiates what clawrun did (key exchange, cipher, MAC), read
# from the capture sshd's log: OpenSSH's own defaults (sntrup761x25519,
# post-quantum) cost the host more per login than Go's, and the floor is
# to be the same work sent by OpenSSH.
most() { sort | uniq -c | sort -rn | awk 'NR == 1 {$1 = ""; print substr($0, 2)}'; }
tail -n +$((logged + 1)) "$TMP/sshd.log" >"$TMP/capture.log"
kex=$(sed -n 's/.*debug1: kex: algorithm: \([^ ]*\).*/\1/p' "$TMP/capture.log" | most)
read -r cipher mac < <(sed -n 's/.*debug1: kex: client->server cipher: \([^ ]*\) MAC: \([^ ]*\).*/\1 \2/p' "$TMP/capture.log" | most) || true
[ -n "$kex" ] && [ -n "$cipher" ] || die "could not read the algorithms clawrun negotiated from sshd's log ($TMP/sshd.log)"
FLOOR_ALGS="-oKexAlgorithms=$kex -oCiphers=$cipher"
[ "$mac" = "<implicit>" ] || FLOOR_ALGS="$FLOOR_ALGS -oMACs=$mac"
echo "scale: the floor uses what clawrun negotiated: $FLOOR_ALGS" >&2
# One session per host; the probe is what it received.
for a in $(cat "$TMP/addrs"); do
  set -- "$TMP/probe/$a".*
  [ $# = 1 ] && [ -f "$1" ] || die "expected one captured session for $a, found $#"
  mv "$1" "$TMP/probe/$a"
done
start_sshd plain
touch "$TMP/floor.failed"
for r in $(seq "$REPS"); do
  echo "scale: run $r of $REPS" >&2
  clawrun "c$r"
  floor "f$r"
done
stop_sshd

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
cl=$(for r in $(seq "$REPS"); do cut -d' ' -f1 "$TMP/c$r.time"; done | median)
fl=$(for r in $(seq "$REPS"); do cat "$TMP/f$r.time"; done | median)
rss=$(for r in $(seq "$REPS"); do cut -d' ' -f2 "$TMP/c$r.time"; done | sort -g | tail -1)
cpu=$(for r in $(seq "$REPS"); do cut -d' ' -f3 "$TMP/c$r.time"; done | median)
changed=$(for r in $(seq "$REPS"); do cat "$TMP/c$r.changed"; done | paste -sd+ | bc)
fails=$(($(for r in $(seq "$REPS"); do cat "$TMP/c$r.failed"; done | paste -sd+ | bc) + $(wc -l <"$TMP/floor.failed")))
[ "$changed" = 0 ] || echo "scale: warning: no-change runs changed $changed tasks" >&2
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)  clawrun runs: $(for r in $(seq "$REPS"); do cut -d' ' -f1 "$TMP/c$r.time"; done | paste -sd' ')  floor runs: $(for r in $(seq "$REPS"); do printf '%.2f ' "$(cat "$TMP/f$r.time")"; done)"
printf 'hosts=%d clawrun_s=%.2f floor_s=%.2f ratio=%.2f rss_mb=%.1f cpu_ms_per_host=%.2f failures=%d\n' \
  "$N" "$cl" "$fl" "$(echo "$cl / $fl" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$(echo "$cpu * 1000 / $N" | bc -l)" "$fails"
