#!/usr/bin/env bash
# Creates N network namespaces for DistNet processes on this host, joined by veth pairs to a bridge:
#   dn0 = parameter server (10.77.0.1), dn1 … dnN-1 = workers (10.77.0.2 …), bridge br0 in dn-hub.
# Idempotent: running it again converges to exactly N namespaces (extra dnK with K ≥ N are removed).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: $(basename "$0") N
  Create namespaces ${DN_PREFIX}0 … ${DN_PREFIX}N-1 (N ≥ 2; ${DN_PREFIX}0 = server, the rest workers), each with eth0 =
  ${DN_NET}.(I+1)/24 and loopback up, joined through br0 in namespace ${DN_HUB}. Run processes in them with
    ip netns exec ${DN_PREFIX}0 distnet node --role ps --host ${DN_NET}.1 …
  Needs root. Safe to run again. Undo with teardown.sh.
USAGE
}

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -eq 1 && $1 =~ ^[0-9]+$ && $1 -ge 2 && $1 -le 250 ]] || { usage >&2; exit 2; }
n=$1
need_root

# The hub: a namespace holding only the bridge.
ns_exists "$DN_HUB" || ip netns add "$DN_HUB"
ip -n "$DN_HUB" link set lo up
ip -n "$DN_HUB" link show br0 >/dev/null 2>&1 || ip -n "$DN_HUB" link add br0 type bridge
ip -n "$DN_HUB" link set br0 up

for ((i = 0; i < n; i++)); do
  ns="${DN_PREFIX}${i}"
  ns_exists "$ns" || ip netns add "$ns"
  ip -n "$ns" link set lo up
  if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
    # A half-made pair from an interrupted run: remove its hub end first.
    ip -n "$DN_HUB" link del "v$i" 2>/dev/null || true
    ip -n "$DN_HUB" link add "v$i" type veth peer name eth0 netns "$ns"
  fi
  ip -n "$DN_HUB" link set "v$i" master br0
  ip -n "$DN_HUB" link set "v$i" up
  ip -n "$ns" addr replace "$(ns_addr "$i")/24" dev eth0
  ip -n "$ns" link set eth0 up
done

# Converge: namespaces beyond N-1 from an earlier, larger setup go away.
for ns in $(our_namespaces); do
  i=$(ns_index "$ns")
  if (( i >= n )); then
    ip netns del "$ns"
    ip -n "$DN_HUB" link del "v$i" 2>/dev/null || true
  fi
done

for ((i = 0; i < n; i++)); do
  role=worker; (( i == 0 )) && role=server
  echo "${DN_PREFIX}${i}  $(ns_addr "$i")  $role"
done
