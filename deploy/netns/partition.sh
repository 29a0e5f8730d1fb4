#!/usr/bin/env bash
# Cuts a namespace off from the others, or restores it, with iptables DROP rules inside that
# namespace (INPUT and OUTPUT on eth0; loopback is untouched). With PEER, only traffic to and
# from that one namespace is dropped, e.g. cut worker dn2 from the server dn0 but not from dn1.
# Idempotent: "on" twice adds the rules once; "off" removes them all, whatever was on.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: $(basename "$0") NS on|off [PEER]
  NS, PEER: ${DN_PREFIX}0, ${DN_PREFIX}1, … (or 0, 1, …).
  on    drop every packet in and out of NS's eth0 (or only those to/from PEER)
  off   remove the drop rules again (all of them, with or without PEER)
  status  list the drop rules in NS
  e.g. $(basename "$0") ${DN_PREFIX}1 on; …; $(basename "$0") ${DN_PREFIX}1 off
  Needs root and iptables (apt-get install iptables). Rules live in chain DISTNET-PARTITION inside NS.
USAGE
}

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -ge 2 && $# -le 3 ]] || { usage >&2; exit 2; }
need_root
command -v iptables >/dev/null || die "iptables is missing (apt-get install iptables)"
ns=$(ns_name "$1")
action=$2
chain=DISTNET-PARTITION
ipt() { ip netns exec "$ns" iptables -w "$@"; }

ensure_chain() {
  ipt -n -L "$chain" >/dev/null 2>&1 || ipt -N "$chain"
  ipt -C INPUT -j "$chain" 2>/dev/null || ipt -I INPUT 1 -j "$chain"
  ipt -C OUTPUT -j "$chain" 2>/dev/null || ipt -I OUTPUT 1 -j "$chain"
}

add_once() { ipt -C "$chain" "$@" 2>/dev/null || ipt -A "$chain" "$@"; }

case $action in
  on)
    ensure_chain
    if [[ $# -eq 3 ]]; then
      peer=$(ns_name "$3")
      [[ $peer != "$ns" ]] || die "PEER must differ from NS"
      addr=$(ns_addr "$(ns_index "$peer")")
      add_once -i eth0 -s "$addr" -j DROP
      add_once -o eth0 -d "$addr" -j DROP
      echo "$ns: cut off from $peer ($addr)"
    else
      add_once -i eth0 -j DROP
      add_once -o eth0 -j DROP
      echo "$ns: cut off from all others"
    fi
    ;;
  off)
    [[ $# -eq 2 ]] || die "off takes no PEER: it removes every partition rule in $ns"
    if ipt -n -L "$chain" >/dev/null 2>&1; then
      ipt -F "$chain"
      while ipt -D INPUT -j "$chain" 2>/dev/null; do :; done
      while ipt -D OUTPUT -j "$chain" 2>/dev/null; do :; done
      ipt -X "$chain"
    fi
    echo "$ns: partition rules removed"
    ;;
  status)
    if ipt -n -L "$chain" >/dev/null 2>&1; then ipt -S "$chain"; else echo "$ns: no partition rules"; fi
    ;;
  *) usage >&2; exit 2 ;;
esac
