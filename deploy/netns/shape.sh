#!/usr/bin/env bash
# Shapes the link of one namespace, in both directions (NS's eth0 and its bridge port in dn-hub):
#   bandwidth with tc tbf (token bucket), and, where the kernel has it, delay/jitter/loss with tc netem.
#
# netem: this script always tries netem first when --delay/--jitter/--loss are given, with tbf as
# netem's child for the rate. Some kernels are built without sch_netem (CONFIG_NET_SCH_NETEM off,
# e.g. the VM this was written on): "tc qdisc add … netem" then fails with "Error: Specified qdisc
# kind is unknown." and this script stops with a clear error, leaving the link unshaped, rather
# than pretend. Rate limiting alone (tbf) needs only sch_tbf.
# Idempotent: every call replaces the previous shaping of NS; "off" removes it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: $(basename "$0") NS RATE|unlimited [--delay TIME] [--jitter TIME] [--loss PERCENT]
       $(basename "$0") NS off | status
  NS      ${DN_PREFIX}0, ${DN_PREFIX}1, … (or 0, 1, …); shaping applies both ways on NS's link
  RATE    tc rate, e.g. 10mbit, 500kbit, 1gbit (token bucket filter, tc tbf)
  --delay 20ms  --jitter 5ms  --loss 1%   need tc netem (sch_netem); refused with a clear error
                                          on kernels without it
  e.g. $(basename "$0") ${DN_PREFIX}2 1mbit          # a worker on a slow link
       $(basename "$0") ${DN_PREFIX}2 unlimited --delay 50ms --loss 2%
  Needs root. Each call replaces the previous shaping of NS.
USAGE
}

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -ge 2 ]] || { usage >&2; exit 2; }
need_root
command -v tc >/dev/null || die "tc is missing (apt-get install iproute2)"
ns=$(ns_name "$1")
i=$(ns_index "$ns")
rate=$2
shift 2
delay='' jitter='' loss=''
while [[ $# -gt 0 ]]; do
  case $1 in
    --delay) delay=${2:?--delay needs a time, e.g. 20ms}; shift 2 ;;
    --jitter) jitter=${2:?--jitter needs a time, e.g. 5ms}; shift 2 ;;
    --loss) loss=${2:?--loss needs a percentage, e.g. 1%}; shift 2 ;;
    *) usage >&2; exit 2 ;;
  esac
done
[[ -n $jitter && -z $delay ]] && die "--jitter needs --delay"

# Both ends of NS's link: "netns device".
ends=("$ns eth0" "$DN_HUB v$i")

clear_end() { ip netns exec "$1" tc qdisc del dev "$2" root 2>/dev/null || true; }

case $rate in
  off)
    for e in "${ends[@]}"; do clear_end $e; done
    echo "$ns: shaping removed"; exit 0 ;;
  status)
    for e in "${ends[@]}"; do set -- $e; echo "[$1 $2]"; ip netns exec "$1" tc qdisc show dev "$2"; done
    exit 0 ;;
  unlimited) rate='' ;;
  *) [[ $rate =~ ^[0-9.]+([kmg]?(bit|bps))$ ]] || die "bad RATE '$rate' (e.g. 10mbit, 500kbit)" ;;
esac
[[ -z $rate && -z $delay && -z $loss ]] && die "nothing to do: give a RATE, --delay or --loss (or 'off')"

# The bucket holds 4 ms of the rate (one tick at HZ=250; tc needs at least rate/HZ), never less than
# 32 kbit: a fixed 32 kbit starves fast links, whose 64 KB segments then go out in slices.
tbf_args() {
  local bytes
  bytes=$(awk -v r="$rate" 'BEGIN {
    n = r + 0; u = tolower(r); sub(/^[0-9.]+/, "", u)
    m = (u ~ /^k/) ? 1e3 : (u ~ /^m/) ? 1e6 : (u ~ /^g/) ? 1e9 : 1
    if (u ~ /bps$/) m *= 8
    b = n * m * 0.004 / 8; if (b < 4000) b = 4000; printf "%d", b }')
  echo "rate $rate burst $bytes latency 400ms"
}

for e in "${ends[@]}"; do
  set -- $e
  netns=$1 dev=$2
  clear_end "$netns" "$dev"
  if [[ -n $delay || -n $loss ]]; then
    netem=()
    if [[ -n $delay ]]; then netem+=(delay "$delay" ${jitter:+"$jitter"}); fi
    if [[ -n $loss ]]; then netem+=(loss "$loss"); fi
    if ! err=$(ip netns exec "$netns" tc qdisc add dev "$dev" root handle 1: netem "${netem[@]}" 2>&1); then
      for x in "${ends[@]}"; do clear_end $x; done
      echo "$(basename "$0"): tc netem is not available here: '$err'" >&2
      echo "  This kernel lacks the netem qdisc (sch_netem), so delay, jitter and loss cannot be emulated." >&2
      echo "  Try 'modprobe sch_netem'; otherwise use a kernel with CONFIG_NET_SCH_NETEM, shape bandwidth only" >&2
      echo "  ($(basename "$0") $ns RATE), or inject delay/drop in DistNet itself with a fault plan (docs/faults.md)." >&2
      exit 3
    fi
    if [[ -n $rate ]]; then ip netns exec "$netns" tc qdisc add dev "$dev" parent 1:1 handle 10: tbf $(tbf_args); fi
  else
    ip netns exec "$netns" tc qdisc add dev "$dev" root handle 1: tbf $(tbf_args)
  fi
done
echo "$ns: ${rate:-unlimited}${delay:+ delay $delay${jitter:+±$jitter}}${loss:+ loss $loss} (both directions)"
