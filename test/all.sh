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
# the whole verbose output of a failed set is printed at the end.
progress='^(=== RUN   [^/]+$|--- (PASS|FAIL|SKIP)|PASS$|FAIL|ok )'
tmp=$(mktemp -d)
# slot_busy N: a testbed is up on slot N (its bridge or state folder).
slot_busy() {
  local dir=/run/clawrun-testbed
  [ "$1" = 0 ] || dir=/run/clawrun-testbed-$1
  ip link show "clawtb$1" >/dev/null 2>&1 || [ -e "$dir" ]
}
# The first slot is the caller's (its testbed is rebooted, as always); the
# others are free ones only: a testbed someone else runs is never touched.
used=("$first")
for s in $(seq $((first + 1)) 9); do
  [ "${#used[@]}" -lt "$slots" ] || break
  if slot_busy "$s"; then echo "== slot $s has a testbed up (not this run's): skipped"; else used+=("$s"); fi
done
slots=${#used[@]}
# Whatever ends the tests (a failure, a panic, -timeout, Ctrl-C, TERM), the
# testbeds this run booted go down; an adopted one (CLAWRUN_TESTBED) stays.
pids=()
teardown() {
  trap - INT TERM
  [ "${#pids[@]}" = 0 ] || kill -TERM "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ -z "${CLAWRUN_TESTBED:-}" ] && [ "$(id -u)" = 0 ]; then
    for s in "${used[@]}"; do
      if slot_busy "$s"; then echo "== tearing down slot $s"; CLAWRUN_TESTBED_SLOT=$s bash test/testbed/testbed.sh down || true; fi
    done
  fi
  rm -rf "$tmp"
}
trap teardown EXIT
trap 'echo "== interrupted"; exit 130' INT TERM
set +e
if [ "$slots" = 1 ]; then
  CLAWRUN_TESTBED_SLOT=$first go test -count=1 -timeout 30m -v ./test/e2e/ "$@" 2>&1 | tee "$tmp/log.0" |
    grep --line-buffered -E "$progress"
  rc=${PIPESTATUS[0]}
  [ "$rc" = 0 ] || touch "$tmp/failed.0"
else
  go test -c -o "$tmp/e2e.test" ./test/e2e/ || exit 1
  split=$(go run ./test/e2esplit "$slots") || exit 1
  mapfile -t sets <<<"$split"
  # An empty pattern would run every test on every slot.
  [ "${#sets[@]}" = "$slots" ] || { echo "e2esplit printed ${#sets[@]} sets, not $slots"; exit 1; }
  echo "== slots ${used[*]}"
  for i in $(seq 0 $((slots - 1))); do
    s=${used[$i]}
    ( cd test/e2e && CLAWRUN_TESTBED_SLOT=$s exec "$tmp/e2e.test" -test.count=1 -test.timeout 30m -test.v -test.run "${sets[$i]}" ) \
      >"$tmp/log.$i" 2>&1 &
    pids+=($!)
    tail -n +1 -F --pid=$! "$tmp/log.$i" 2>/dev/null |
      grep --line-buffered -E "$progress" | sed -u "s/^/[slot $s] /" &
  done
  rc=0
  for i in $(seq 0 $((slots - 1))); do
    wait "${pids[$i]}" || { rc=1; touch "$tmp/failed.$i"; }
  done
  pids=()
  wait   # the progress readers end with their test process
fi
set -e
if [ "$rc" -ne 0 ]; then
  echo "== real-host tests failed; full output:"
  for i in $(seq 0 $((slots - 1))); do
    if [ -e "$tmp/failed.$i" ]; then echo "== slot ${used[$i]}: full output"; cat "$tmp/log.$i"; fi
  done
fi
stage "done (exit $rc)"
exit "$rc"
