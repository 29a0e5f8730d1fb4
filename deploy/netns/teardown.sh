#!/usr/bin/env bash
# Removes every namespace setup.sh made (dn0, dn1, … and dn-hub); their veths, bridge, iptables
# rules and tc qdiscs go with them. Idempotent. Processes still running inside are not killed:
# they lose their network; stop them first.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  cat <<USAGE
usage: $(basename "$0")
  Delete namespaces ${DN_PREFIX}0, ${DN_PREFIX}1, … and ${DN_HUB} (with their links, firewall rules and qdiscs).
  Needs root. Safe to run when nothing is set up.
USAGE
  exit 0
fi
[[ $# -eq 0 ]] || die "takes no arguments (see --help)"
need_root

removed=0
for ns in $(our_namespaces); do
  pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
  [[ -n $pids ]] && echo "warning: processes still in $ns (pids $pids) lose their network" >&2
  ip netns del "$ns"; removed=$((removed + 1))
done
ns_exists "$DN_HUB" && { ip netns del "$DN_HUB"; removed=$((removed + 1)); }
echo "removed $removed namespace(s)"
