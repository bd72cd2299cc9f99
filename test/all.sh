#!/usr/bin/env bash
# The project's test command (README "Testing"; .ci/run calls it):
# static checks, unit and CLI tests (race detector on), then real-host tests
# on testbed hosts that the e2e tests boot and tear down themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

# The real-host tests run as CLAWRUN_E2E_SLOTS (default 2) sets on as many
# testbed slots, from CLAWRUN_TESTBED_SLOT (default 0) on; checked here,
# before anything runs.
slots=${CLAWRUN_E2E_SLOTS:-2}
first=${CLAWRUN_TESTBED_SLOT:-0}
case "$slots" in [1-9]) ;; *) echo "CLAWRUN_E2E_SLOTS must be 1-9, not '$slots'"; exit 2 ;; esac
case "$first" in [0-9]) ;; *) echo "CLAWRUN_TESTBED_SLOT must be 0-9, not '$first'"; exit 2 ;; esac
# One set with go test arguments, an adopted testbed, or no root (no testbed).
if [ $# -gt 0 ] || [ -n "${CLAWRUN_TESTBED:-}" ] || [ "$(id -u)" != 0 ]; then slots=1; fi

# A stage's header, with the seconds since the start.
stage() { echo "== $* [${SECONDS}s]"; }

# On any exit: end and tear down the real-host tests (below, once they
# start) and remove .ci/run's marker. INT and TERM end the run; bash acts
# on them once the running foreground command (a go test) returns, and at
# once while the real-host tests run (they run in the background).
e2e_teardown() { :; }
on_exit() {
  e2e_teardown
  if [ -n "${CLAWRUN_CI_MARKER:-}" ]; then rm -f "$CLAWRUN_CI_MARKER"; fi
}
trap on_exit EXIT
trap 'echo "== interrupted"; exit 130' INT
trap 'echo "== terminated"; exit 143' TERM

prep_pid=
if [ "$(id -u)" = 0 ]; then
  bash test/testbed/testbed.sh deps   # debootstrap, systemd-container, iproute2, dpkg-dev
  # On a fresh machine the two Debian bases and package repositories take
  # some 5 minutes, mostly waiting on the mirror: build them while the
  # static checks, fast tests and mutation check run. testbed.sh builds
  # under a lock, so the e2e stage waits for (or reuses) what this builds.
  prep_log=$(mktemp)
  ( set -e; tb=test/testbed/testbed.sh
    bash $tb base trixie & t=$!
    bash $tb base; bash $tb repo; wait $t; bash $tb repo trixie ) >"$prep_log" 2>&1 &
  prep_pid=$!
fi

stage "go vet"
go vet ./...
stage "gofmt"
unformatted=$(gofmt -l cmd runner playbooks modules inventory test bench 2>/dev/null | grep -v /testdata/ || true)
if [ -n "$unformatted" ]; then echo "gofmt needed:"; echo "$unformatted"; exit 1; fi
stage "sizes (files <= 450 lines, functions <= 90; ARCHITECTURE.md)"
go run ./test/sizecheck

stage "unit, golden, fuzz-seed and CLI tests (-race)"
go test -race -count=1 ./cmd/... ./runner/... ./playbooks/... ./modules/... ./inventory/... ./test/e2esplit/

# 45 mutations, about 5 CPU-minutes: some 3 minutes on an idle 2-core
# machine with two workers (7 minutes on a machine shared with other jobs).
stage "mutation check (test/mutate.sh: every listed mutation must fail a fast test)"
go run ./test/mutate

if [ -n "$prep_pid" ]; then
  stage "waiting for the testbed's Debian bases and repositories"
  if ! wait "$prep_pid"; then cat "$prep_log"; rm -f "$prep_log"; echo "building the testbed failed"; exit 1; fi
  rm -f "$prep_log"
fi

stage "real-host tests (testbed)"
# Progress per test while they run (a line when each starts and ends);
# the whole verbose output of a failed or interrupted set at the end.
progress='^(=== RUN   [^/]+$|--- (PASS|FAIL|SKIP)|PASS$|FAIL|ok )'
tmp=$(mktemp -d)
state_dir() { if [ "$1" = 0 ]; then echo /run/clawrun-testbed; else echo "/run/clawrun-testbed-$1"; fi; }
# slot_busy N: a testbed is up on slot N (its bridge or state folder).
slot_busy() { ip link show "clawtb$1" >/dev/null 2>&1 || [ -e "$(state_dir "$1")" ]; }
# The slots are reserved for the whole run by a file in their state folder
# (testbed.sh down leaves the folder while it holds a file it does not
# know): no other run takes them, and whatever is on them is this run's.
# The first slot is the caller's (a testbed up there is rebooted, as
# always); the others are free ones only: the state folder is made
# atomically, and a slot with a testbed up is skipped, never touched.
owned=
if [ "$(id -u)" = 0 ] && [ -z "${CLAWRUN_TESTBED:-}" ]; then owned=1; fi
reservation=.reserved-by-all.sh
used=("$first")
if [ -n "$owned" ]; then
  mkdir -p "$(state_dir "$first")" && touch "$(state_dir "$first")/$reservation"
  for s in $(seq $((first + 1)) 9); do
    [ "${#used[@]}" -lt "$slots" ] || break
    if slot_busy "$s" || ! mkdir "$(state_dir "$s")" 2>/dev/null; then
      echo "== slot $s has a testbed up (not this run's): skipped"
    else
      touch "$(state_dir "$s")/$reservation"
      used+=("$s")
    fi
  done
fi
slots=${#used[@]}
# Each set runs in its own process group (setsid), so that ending the run
# reaches every process of it (go test, e2e.test, testbed.sh). A set that
# did not pass may have left its testbed (a panic, -timeout, a kill): its
# slot goes down once it ends. A passing set's TestMain has torn it down
# already; an adopted testbed (CLAWRUN_TESTBED) stays up.
pids=() ended=()
backstop() {
  [ -n "$owned" ] || return 0
  echo "== tearing down slot $1"
  CLAWRUN_TESTBED_SLOT=$1 bash test/testbed/testbed.sh down >/dev/null 2>&1 || true
}
e2e_teardown() {
  trap '' INT TERM
  local i f s
  for i in "${!pids[@]}"; do
    [ -z "${ended[$i]:-}" ] || continue
    kill -TERM -- "-${pids[$i]}" 2>/dev/null || true
    wait "${pids[$i]}" 2>/dev/null || true
    touch "$tmp/failed.$i"
    backstop "${used[$i]}"
  done
  for f in "$tmp"/failed.*; do
    [ -e "$f" ] || continue
    i=${f##*.}
    echo "== slot ${used[$i]}: full output"
    cat "$tmp/log.$i"
  done
  if [ -n "$owned" ]; then
    for s in "${used[@]}"; do rm -f "$(state_dir "$s")/$reservation"; rmdir "$(state_dir "$s")" 2>/dev/null || true; done
  fi
  rm -rf "$tmp"
}
if [ "$slots" = 1 ]; then
  cmds=("cd test/e2e && exec go test -count=1 -timeout 30m -v . $(printf '%q ' "$@")")
else
  go test -c -o "$tmp/e2e.test" ./test/e2e/
  split=$(go run ./test/e2esplit "$slots")
  mapfile -t sets <<<"$split"
  # An empty pattern would run every test on every slot.
  [ "${#sets[@]}" = "$slots" ] || { echo "e2esplit printed ${#sets[@]} sets, not $slots"; exit 1; }
  cmds=()
  for i in $(seq 0 $((slots - 1))); do
    cmds+=("cd test/e2e && exec $tmp/e2e.test -test.count=1 -test.timeout 30m -test.v -test.run '${sets[$i]}'")
  done
fi
echo "== slots ${used[*]}"
for i in $(seq 0 $((slots - 1))); do
  s=${used[$i]}
  CLAWRUN_TESTBED_SLOT=$s setsid bash -c "${cmds[$i]}" >"$tmp/log.$i" 2>&1 </dev/null &
  pids+=($!)
  tail -n +1 -F --pid=$! "$tmp/log.$i" 2>/dev/null |
    grep --line-buffered -E "$progress" | sed -u "s/^/[slot $s] /" &
done
rc=0
for i in $(seq 0 $((slots - 1))); do
  if ! wait "${pids[$i]}"; then
    rc=1
    touch "$tmp/failed.$i"
    backstop "${used[$i]}"
  fi
  ended[$i]=1
done
wait   # the progress readers end with their test process
if [ "$rc" -ne 0 ]; then echo "== real-host tests failed"; fi
stage "done (exit $rc)"
exit "$rc"
