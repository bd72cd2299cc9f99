#!/usr/bin/env bash
# The project's test command (README "Testing"; .ci/run calls it):
# static checks, unit and CLI tests (race detector on), then real-host tests
# on testbed hosts that the e2e tests boot and tear down themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

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

echo "== go vet"
go vet ./...
echo "== gofmt"
unformatted=$(gofmt -l cmd runner playbooks modules inventory test bench 2>/dev/null | grep -v /testdata/ || true)
if [ -n "$unformatted" ]; then echo "gofmt needed:"; echo "$unformatted"; exit 1; fi
echo "== sizes (files <= 450 lines, functions <= 90; ARCHITECTURE.md)"
go run ./test/sizecheck

echo "== unit, golden, fuzz-seed and CLI tests (-race)"
go test -race -count=1 ./cmd/... ./runner/... ./playbooks/... ./modules/... ./inventory/...

# 45 mutations, about 5 CPU-minutes: some 3 minutes on an idle 2-core
# machine with two workers (7 minutes on a machine shared with other jobs).
echo "== mutation check (test/mutate.sh: every listed mutation must fail a fast test)"
go run ./test/mutate

if [ -n "$prep_pid" ]; then
  echo "== waiting for the testbed's Debian bases and repositories"
  if ! wait "$prep_pid"; then cat "$prep_log"; rm -f "$prep_log"; echo "building the testbed failed"; exit 1; fi
  rm -f "$prep_log"
fi

echo "== real-host tests (testbed)"
# Progress per test while they run (a line when each starts and ends);
# the whole verbose output is printed when a test fails.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
go test -count=1 -timeout 30m -v ./test/e2e/ "$@" 2>&1 | tee "$log" |
  grep --line-buffered -E '^(=== RUN   [^/]+$|--- (PASS|FAIL|SKIP)|PASS$|FAIL|ok )'
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
  echo "== real-host tests failed; full output:"
  cat "$log"
fi
exit "$rc"
