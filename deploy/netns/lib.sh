# Shared by the deploy/netns scripts (sourced, not run). See README.md.
#   dn0 … dnN-1   one network namespace per DistNet process: dn0 = parameter server, dn1… = workers
#   dn-hub        holds the bridge br0 that joins them (kept out of the host's namespace, so the
#                 host's firewall and bridge netfilter settings never see this traffic)
#   addresses     dnI has eth0 = 10.77.0.(I+1)/24; its peer in dn-hub is vI, a port of br0
# DN_PREFIX (default dn) and DN_NET (default 10.77.0) change the names and the /24.

DN_PREFIX=${DN_PREFIX:-dn}
DN_NET=${DN_NET:-10.77.0}
DN_HUB="${DN_PREFIX}-hub"

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

need_root() {
  [[ $(id -u) -eq 0 ]] || die "needs root (network namespaces, veth pairs, iptables, tc)"
  command -v ip >/dev/null || die "the ip command is missing (apt-get install iproute2)"
}

ns_exists() { ip netns list | awk '{print $1}' | grep -qx -- "$1"; }

# "dn3" or "3" -> "dn3"; refuses anything else.
ns_name() {
  local arg=$1
  [[ $arg =~ ^[0-9]+$ ]] && arg="${DN_PREFIX}${arg}"
  [[ $arg =~ ^${DN_PREFIX}[0-9]+$ ]] || die "not a DistNet namespace: '$1' (expected ${DN_PREFIX}0, ${DN_PREFIX}1, … or 0, 1, …)"
  ns_exists "$arg" || die "namespace $arg does not exist (run setup.sh first)"
  echo "$arg"
}

ns_index() { echo "${1#"$DN_PREFIX"}"; }

ns_addr() { echo "${DN_NET}.$(( $1 + 1 ))"; }

# Our namespaces dn0, dn1, … in numeric order.
our_namespaces() { ip netns list | awk '{print $1}' | grep -E "^${DN_PREFIX}[0-9]+$" | sort -V || true; }
