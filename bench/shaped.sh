#!/usr/bin/env bash
# Cluster over a bandwidth-limited network: first-layer factors off against on (docs/benchmarks.md,
# "Gradients as factors"). Needs root: the ps and 2 workers run in network namespaces (deploy/netns),
# each behind a link shaped to RATE both ways, as if each were a host with a NIC of that speed.
#
#   bench/shaped.sh [--rate RATE] [--rounds N] [--epochs E] [--data DIR] [--out DIR]
#
#   --rate RATE    tc rate of every node's link (default 1gbit)
#   --rounds N     pairs of runs (factors off, on; order alternating; default 2)
#   --epochs E     epochs per run (default 5; at least 3: the figure is the median of epochs 3..E)
#   --data DIR     Fashion-MNIST IDX directory (default /work/shared/data/fashion-mnist)
#   --out DIR      keep the logs there (default: a temporary directory)
#
# The job is bench/cluster.sh's: --hidden 256,128 --batch 256 --micro-shards 2 --validation 0 --lr 0.1
# (128 samples per worker and step, 784 inputs: factors are 4 × (256 × 128 + 34,442) bytes against 940,584).
# The namespaces are removed at the end, and every process started here is stopped here.
set -euo pipefail
script="$(realpath "$0")"
cd "$(dirname "$script")/.."
source bench/lib.sh

rate=1gbit rounds=2 epochs=5 data=/work/shared/data/fashion-mnist out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rate) rate="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n "2,17p" "$script" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "shaped.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
(( EUID == 0 )) || { echo "shaped.sh: needs root (network namespaces and tc)" >&2; exit 2; }
(( epochs >= 3 )) || { echo "shaped.sh: --epochs must be at least 3" >&2; exit 2; }
[[ -d $data ]] || { echo "shaped.sh: no data directory $data" >&2; exit 2; }
if [[ -z "$out" ]]; then out="$(mktemp -d)"; fi
mkdir -p "$out"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  deploy/netns/teardown.sh > /dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

print_machine "$out"
build_cli
deploy/netns/setup.sh 3 > /dev/null
for ns in dn0 dn1 dn2; do deploy/netns/shape.sh "$ns" "$rate" > /dev/null; done
echo "== ps (10.77.0.1) and 2 workers (10.77.0.2, .3), each link shaped to $rate both ways"

distnet=(env DOTNET_TieredCompilation=0 dotnet "$PWD/src/DistNet.Cli/bin/Release/net10.0/distnet.dll")
job=(--data "idx:$data" --hidden 256,128 --batch 256 --micro-shards 2 --validation 0 --lr 0.1 --epochs "$epochs")
# samples/s of epochs 3..E, median
steady() {
  sed -n 's/.*epoch *[0-9]*\/[0-9]* .* \([0-9,]*\) samples\/s.*/\1/p' "$1" | tr -d , | tail -n +3 | sort -n |
    awk '{a[NR]=$1} END { if (NR) print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2) }'
}

run() {   # run TAG MODE: one training; prints its steady samples/s
  local tag=$1 mode=$2
  ip netns exec dn0 "${distnet[@]}" node --role ps --host 10.77.0.1 --port 4053 --min-workers 2 \
    --first-layer-factors "$mode" "${job[@]}" > "$out/$tag-ps.log" 2>&1 &
  local ps=$!; pids+=("$ps")
  sleep 2
  local workers=()
  for i in 1 2; do
    ip netns exec "dn$i" "${distnet[@]}" node --host "10.77.0.$((i + 1))" --seed-nodes akka.tcp://distnet@10.77.0.1:4053 \
      > "$out/$tag-worker-$i.log" 2>&1 &
    workers+=($!); pids+=($!)
  done
  wait "$ps" || true
  for pid in "${workers[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  done
  steady "$out/$tag-ps.log"
}

printf 'round\tfactors\tsamples_s\n' > "$out/shaped.tsv"
for round in $(seq 1 "$rounds"); do
  modes=(off on); (( round % 2 == 0 )) && modes=(on off)
  for mode in "${modes[@]}"; do
    rate_now=$(run "round$round-$mode" "$mode")
    printf '%s\t%s\t%s\n' "$round" "$mode" "$rate_now" >> "$out/shaped.tsv"
    echo "  round $round, --first-layer-factors $mode: ${rate_now:-?} samples/s (epochs 3..$epochs, median)"
  done
done
/usr/bin/python3 - "$out/shaped.tsv" <<'PY'
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]), delimiter="\t") if r["samples_s"]]
med = {m: statistics.median(float(r["samples_s"]) for r in rows if r["factors"] == m) for m in ("off", "on") if any(r["factors"] == m for r in rows)}
if len(med) == 2:
    print(f"median: factors off {med['off']:,.0f}, on {med['on']:,.0f} samples/s; on / off {med['on'] / med['off']:.2f}")
PY
echo "logs in $out"
