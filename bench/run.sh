#!/usr/bin/env bash
# Benchmark clawrun against Ansible 2.14 on testbed hosts (root, Debian).
# Installs Ansible (Debian's package: ansible-core 2.14 + community.general),
# boots the testbed, prints medians and ratios, writes bench/results.md and
# tears the hosts down. Flags go to bench/cmd/bench (-sizes, -reps, ...).
# The Ansible workload is bench/ansible (ANSIBLE_DIR=folder for another).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
bash test/testbed/testbed.sh deps
command -v ansible-playbook >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ansible >/dev/null; }
ansible_dir=${ANSIBLE_DIR:-bench/ansible}
[ -d "$ansible_dir" ] || { echo "bench: $ansible_dir (the Ansible workload) is missing: set ANSIBLE_DIR to its folder (default bench/ansible)" >&2; exit 1; }
exec go run ./bench/cmd/bench -ansible "$ansible_dir" "$@"
