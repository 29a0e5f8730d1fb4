#!/usr/bin/env bash
# Fault-injection measurements (docs/benchmarks.md, "Faults and recovery"):
#   1. in process: time from each fault to its detection and to recovery, and steps lost, for a
#      worker kill, a server crash (resumed from a checkpoint), a partition and dropped answers,
#      from `distnet experiment` reports;
#   2. the cost of checkpointing every K steps (K = 10, 100) on 784-256-128-10 Fashion-MNIST,
#      back-to-back rounds in alternating order, samples/s of epochs 2..E;
#   3. on a cluster: kill -9 of the ps process, time until the workers see it unreachable and
#      downed, until a new ps (started with --resume) has resumed and finished.
#
#   bench/faults.sh [--parts LIST] [--rounds N] [--data DIR] [--out DIR]
#
#   --parts LIST   any of detection,checkpoints,cluster (default: all)
#   --rounds N     checkpoints: back-to-back rounds (default 3)
#   --data DIR     Fashion-MNIST IDX directory for the checkpoint part (default /work/shared/data/fashion-mnist)
#   --out DIR      keep logs and reports there (default: a temporary directory)
set -euo pipefail
script="$(realpath "$0")"
cd "$(dirname "$script")/.."
source bench/lib.sh

parts=detection,checkpoints,cluster rounds=3 data=/work/shared/data/fashion-mnist out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --parts) parts="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n "2,17p" "$script" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "faults.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
has_part() { [[ ",$parts," == *",$1,"* ]]; }
out="${out:-$(mktemp -d /tmp/distnet-faults-XXXX)}"
mkdir -p "$out"
echo "faults benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg); logs in $out"
dotnet build src/DistNet.Cli -c Release -nologo -v q 2>&1 | grep -E " error |rror\(s\)" | sort -u || true
distnet=(dotnet "$PWD/src/DistNet.Cli/bin/Release/net10.0/distnet.dll")

if has_part detection; then
  echo
  echo "== 1. detection and recovery in process (digits, 3 workers, 10 epochs, --task-timeout 1 s)"
  cat > "$out/plan.json" <<'EOF'
{ "faults": [
  { "kind": "kill-worker", "worker": 1, "step": 40 },
  { "kind": "partition", "worker": 2, "step": 100, "steps": 20 },
  { "kind": "drop", "message": "gradient", "probability": 0.02, "step": 150, "steps": 50 },
  { "kind": "crash-server", "step": 255 },
  { "kind": "corrupt-gradient", "worker": 0, "step": 300, "value": "nan" } ] }
EOF
  "${distnet[@]}" experiment "$out/plan.json" --epochs 10 --workers 3 --checkpoint-every 10 --task-timeout 1 --out "$out/experiment" > "$out/experiment.log"
  grep -E "final models|^  fault" "$out/experiment.log"
  python3 - "$out/experiment/report.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
b, f = r["baseline"], r["faulty"]
print(f"baseline {b['wallSeconds']:.2f} s, faulty {f['wallSeconds']:.2f} s, time lost {r['timeLostSeconds']:.2f} s; steps redone {f['stepsRedone']}; identical: {r['modelsIdentical']}")
print("fault | detected after (ms) | recovered after (ms)")
for x in r["faults"]:
    d = x.get("detectedAfterSeconds"); rec = x.get("recoveredAfterSeconds")
    print(f"{x['fault']['text']} | {d*1e3 if d is not None else float('nan'):.1f} | {rec*1e3 if rec is not None else float('nan'):.1f}")
EOF
fi

if has_part checkpoints; then
  echo
  echo "== 2. checkpoint cost: 784-256-128-10 relu, sgd, batch 128, 3 epochs, 1 worker; samples/s of epochs 2..3"
  run() { # $1 label, rest: extra options
    local label="$1"; shift
    local dir="$out/ck-$label-$RANDOM"
    local extra=("$@")
    [[ "$label" == none ]] || extra+=(--checkpoint-dir "$dir")
    "${distnet[@]}" train --data "idx:$data" --hidden 256,128 --activation relu --lr 0.1 --batch 128 --epochs 3 \
      --validation 0 --metrics-out "$out/$label.jsonl" "${extra[@]}" > "$out/$label.log"
    rm -rf "$dir"
    python3 -c "
import json,sys
rows=[json.loads(l) for l in open('$out/$label.jsonl')]
print(sum(r['samplesPerSecond'] for r in rows[1:])/len(rows[1:]))"
  }
  declare -A sum
  for label in none k100 k10; do sum[$label]=""; done
  for ((r = 1; r <= rounds; r++)); do
    order=(none k100 k10); ((r % 2 == 0)) && order=(k10 k100 none)
    line="round $r:"
    for label in "${order[@]}"; do
      case $label in none) v=$(run none) ;; k100) v=$(run k100 --checkpoint-every 100) ;; k10) v=$(run k10 --checkpoint-every 10) ;; esac
      sum[$label]+="$v "
      line+=" $label $(printf '%.0f' "$v")"
    done
    echo "  $line samples/s"
  done
  python3 - "${sum[none]}" "${sum[k100]}" "${sum[k10]}" <<'EOF'
import sys, statistics as st
none, k100, k10 = ([float(x) for x in a.split()] for a in sys.argv[1:4])
m = lambda v: st.median(v)
print(f"median samples/s: none {m(none):,.0f}, every 100 {m(k100):,.0f} ({m(k100)/m(none):.3f}), every 10 {m(k10):,.0f} ({m(k10)/m(none):.3f})")
print("per-round ratios every 100 / none:", " ".join(f"{a/b:.3f}" for a, b in zip(k100, none)))
print("per-round ratios every 10 / none: ", " ".join(f"{a/b:.3f}" for a, b in zip(k10, none)))
EOF
  grep -h "checkpoints written" "$out"/k10.log "$out"/k100.log | sed 's/^/  /' | cut -c1-220
fi

if has_part cluster; then
  echo
  echo "== 3. cluster: kill -9 of the ps, a new ps with --resume (digits, 2 worker processes, 30 epochs, batch 8)"
  P=$(free_port); Q1=$(free_port); Q2=$(free_port)
  job=(--epochs 30 --hidden 16 --batch 8 --task-timeout 2 --checkpoint-every 50 --model-out "$out/cluster.json")
  ms() { date +%s%3N; }
  "${distnet[@]}" node --role ps --port "$P" --min-workers 2 "${job[@]}" --checkpoint-dir "$out/cluster-ck" > "$out/ps1.log" 2>&1 & ps1=$!
  sleep 3
  "${distnet[@]}" node --port "$Q1" --seed-nodes "akka.tcp://distnet@127.0.0.1:$P" > "$out/w1.log" 2>&1 & w1=$!
  "${distnet[@]}" node --port "$Q2" --seed-nodes "akka.tcp://distnet@127.0.0.1:$P" > "$out/w2.log" 2>&1 & w2=$!
  trap 'kill -9 $ps1 $w1 $w2 2>/dev/null || true' EXIT
  for _ in $(seq 120); do grep -q "epoch   3/30" "$out/ps1.log" && break; sleep 0.5; done
  killed=$(ms); kill -9 "$ps1"
  for _ in $(seq 200); do grep -q "is unreachable" "$out/w1.log" && break; sleep 0.05; done; unreachable=$(ms)
  for _ in $(seq 400); do grep -q "is gone (downed)" "$out/w1.log" && break; sleep 0.05; done; downed=$(ms)
  "${distnet[@]}" node --role ps --port "$P" --min-workers 2 "${job[@]}" --resume "$out/cluster-ck" \
    --seed-nodes "akka.tcp://distnet@127.0.0.1:$Q1,akka.tcp://distnet@127.0.0.1:$Q2" > "$out/ps2.log" 2>&1 & ps2=$!
  for _ in $(seq 600); do grep -q "resumed from" "$out/ps2.log" && break; sleep 0.05; done; resumed=$(ms)
  wait "$ps2"; finished=$(ms)
  wait "$w1" "$w2" || true
  trap - EXIT
  echo "  kill -9 → workers see the ps unreachable: $((unreachable - killed)) ms; → downed: $((downed - killed)) ms"
  echo "  new ps started at +$((downed - killed)) ms → resumed (joined via the workers, $(grep -o 'step [0-9]*' "$out/ps2.log" | head -1)): $((resumed - downed)) ms; → finished: $((finished - resumed)) ms"
  grep -E "resumed from|ledger|updates" "$out/ps2.log" | sed 's/^/  /' | cut -c1-200
  "${distnet[@]}" train --workers 2 --epochs 30 --hidden 16 --batch 8 --model-out "$out/local.json" > /dev/null
  if cmp -s "$out/local.json" "$out/cluster.json"; then echo "  model byte-identical to distnet train --workers 2"; else echo "  model DIFFERS from distnet train --workers 2"; fi
fi
