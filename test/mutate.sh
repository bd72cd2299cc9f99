#!/usr/bin/env bash
# Mutation check: plants each bug listed in */mutations.txt in a temporary
# copy of the repository and requires the fast tests to fail for it.
# Prints a table mutation -> failing tests; exits 1 if one survives.
#   test/mutate.sh [-run REGEXP]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
exec go run ./test/mutate "$@"
