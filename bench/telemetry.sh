#!/usr/bin/env bash
# Observability cost: `distnet train` with metrics and trace on against off (docs/benchmarks.md,
# "Observability"). Goal: at most 3% slower (on / off ≥ 0.97).
#
#   bench/telemetry.sh [--pairs N] [--epochs E] [--workers W] [--no-port] [--data DIR] [--out DIR] [--wait-quiet S]
#
#   --pairs N        back-to-back pairs (off, on), order alternating from pair to pair (default 8)
#   --epochs E       epochs per run; epoch 1 is warm-up, epochs 2..E are timed (default 3)
#   --workers W      --workers of both runs (default 1, distnet train's default)
#   --no-port        "on" without --metrics-port (default: --metrics-out, --trace-out and --metrics-port)
#   --data DIR       Fashion-MNIST IDX directory (default /work/shared/data/fashion-mnist)
#   --out DIR        keep the logs, metrics and one trace there (default: a temporary directory)
#   --wait-quiet S   before each pair, wait up to S seconds for a moment when other processes use < 10% of the CPUs
#
# Both runs: distnet train --data idx:DIR --hidden 256,128 --lr 0.1 --batch 128 --epochs E --validation 0
# (Release build). "on" adds --metrics-out F --trace-out T [--metrics-port P]; nobody scrapes the port.
# Throughput of a run: samples/s over epochs 2..E, from its printed epoch lines (the same source for both
# sides; for "on" the --metrics-out lines are checked against them). Per pair: on / off; the median is
# reported. Every process started here is waited for; none is left running.
set -euo pipefail
script="$(realpath "$0")"
cd "$(dirname "$script")/.."
source bench/lib.sh

data=/work/shared/data/fashion-mnist
pairs=8 epochs=3 workers=1 port=1 out="" wait_quiet=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --pairs) pairs="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --no-port) port=0; shift ;;
    --data) data="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --wait-quiet) wait_quiet="$2"; shift 2 ;;
    -h|--help) sed -n "2,20p" "$script" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "telemetry.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
(( epochs >= 2 )) || { echo "telemetry.sh: --epochs needs at least 2 (the first is warm-up)" >&2; exit 2; }
if [[ -z "$out" ]]; then out="$(mktemp -d)"; fi
mkdir -p "$out"
python=/usr/bin/python3

# CPU-seconds used by all processes so far (/proc/stat, USER_HZ = 100).
busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }

print_machine "$out"
build_cli
distnet=(dotnet src/DistNet.Cli/bin/Release/net10.0/distnet.dll)
job=(train --data "idx:$data" --hidden 256,128 --lr 0.1 --batch 128 --epochs "$epochs" --validation 0 --workers "$workers")
echo "command: distnet ${job[*]}  [on: --metrics-out F --trace-out T$( ((port)) && echo ' --metrics-port P')]"
echo

results="$out/telemetry.tsv"
printf 'pair\torder\tload\toff_samples_s\ton_samples_s\tratio\ton_metrics_samples_s\toff_other_cpu\ton_other_cpu\ttrace_bytes\n' > "$results"

# run TAG [extra args]: runs distnet train, its output in $out/TAG.log; sets rate (samples/s over epochs 2..E)
# and other (CPU share used by other processes during the run, %).
run() {
  local tag=$1; shift
  local t0 b0 t1 b1 mine
  t0=$EPOCHREALTIME; b0=$(busy_ticks)
  /usr/bin/time -f '%U %S' -o "$out/$tag.cpu" "${distnet[@]}" "${job[@]}" "$@" > "$out/$tag.log" 2>&1
  t1=$EPOCHREALTIME; b1=$(busy_ticks)
  mine=$(awk '{print $1 + $2}' "$out/$tag.cpu")
  other=$(awk -v t0="$t0" -v t1="$t1" -v b0="$b0" -v b1="$b1" -v m="$mine" -v n="$(nproc)" \
    'BEGIN{o = (b1 - b0) / 100 - m; if (o < 0) o = 0; printf "%.0f", 100 * o / ((t1 - t0) * n)}')
  rate=$(awk -v last="$epochs" '
    /^epoch +[0-9]+\/[0-9]+ / { split($2, e, "/"); if (e[1] + 0 >= 2 && e[1] + 0 <= last) {
      for (i = 1; i <= NF; i++) if ($i == "samples/s") { v = $(i - 1); gsub(",", "", v); inv += 1 / v; n++ } } }
    END { if (n) printf "%.0f", n / inv; else print "" }' "$out/$tag.log")
}

for pair in $(seq 1 "$pairs"); do
  wait_for_quiet "$wait_quiet" | sed 's/^/  /'
  load=$(cut -d' ' -f1 /proc/loadavg)
  on_args=(--metrics-out "$out/pair$pair-metrics.jsonl" --trace-out "$out/pair$pair-trace.json")
  (( port )) && on_args+=(--metrics-port "$(free_port)")
  if (( pair % 2 == 1 )); then
    order="off,on"; run "pair$pair-off"; off=$rate off_other=$other; run "pair$pair-on" "${on_args[@]}"; on=$rate on_other=$other
  else
    order="on,off"; run "pair$pair-on" "${on_args[@]}"; on=$rate on_other=$other; run "pair$pair-off"; off=$rate off_other=$other
  fi
  # The --metrics-out lines of the "on" run, epochs 2..E, as a check of the printed figure.
  metrics=$("$python" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
xs = [r["samplesPerSecond"] for r in rows if 2 <= r["epoch"] <= int(sys.argv[2])]
print(f"{len(xs) / sum(1 / x for x in xs):.0f}" if xs else "")' "$out/pair$pair-metrics.jsonl" "$epochs" 2>/dev/null || true)
  trace_bytes=$(stat -c %s "$out/pair$pair-trace.json" 2>/dev/null || echo 0)
  (( pair == 1 )) || rm -f "$out/pair$pair-trace.json"   # keep one trace; they are all alike
  grep -q "^metrics at " "$out/pair$pair-on.log" || { (( port == 0 )) || echo "  warning: pair $pair: the on run printed no 'metrics at' line"; }
  ratio=$(awk -v a="$off" -v b="$on" 'BEGIN{ if (a > 0 && b > 0) printf "%.4f", b / a; else print "nan" }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$pair" "$order" "$load" "$off" "$on" "$ratio" "$metrics" "$off_other" "$on_other" "$trace_bytes" >> "$results"
  echo "  pair $pair ($order, load $load): off $off, on $on samples/s (--metrics-out says $metrics); on / off $ratio; other processes ${off_other}% / ${on_other}% of the CPUs"
done

"$python" - "$results" <<'PY'
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]), delimiter="\t") if r["ratio"] != "nan"]
if not rows: sys.exit("no complete pair")
med = statistics.median
ratios = [float(r["ratio"]) for r in rows]
quiet = [float(r["ratio"]) for r in rows if int(r["off_other_cpu"]) < 10 and int(r["on_other_cpu"]) < 10]
print(f"median of {len(rows)} pairs: off {med(float(r['off_samples_s']) for r in rows):,.0f}, on {med(float(r['on_samples_s']) for r in rows):,.0f} samples/s; "
      f"on / off {med(ratios):.3f} (pairs: {' '.join(f'{x:.3f}' for x in ratios)}); goal ≥ 0.97")
print(f"quiet pairs (other processes < 10% of the CPUs during both runs): " +
      (f"{len(quiet)}, median on / off {med(quiet):.3f}" if quiet else "none"))
PY
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg); logs in $out"
