#!/usr/bin/env bash
# Training-throughput benchmark: DistNet (Release) against its PyTorch peer, side by side.
#
#   bench/run.sh [--data DIR] [--quick] [--no-managed] [--out DIR] [--wait-quiet SECONDS]
#
#   --data DIR     Fashion-MNIST IDX directory (default /work/shared/data/fashion-mnist;
#                  Debian's dataset-fashion-mnist puts it in /usr/share/datasets/fashion-mnist)
#   --quick        one short repetition per configuration (a smoke test, not figures to quote)
#   --no-managed   skip the short run on MathNet's managed provider (DISTNET_BLAS=managed)
#   --out DIR      keep the JSON results there (default: a temporary directory)
#   --wait-quiet S wait up to S seconds for a moment when other processes use < 10% of the CPUs
#
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are passed through exactly as the environment has them.
# The machine is shared: the load average is printed; wall-clock figures taken while other
# processes run are low, and the "per CPU-s" columns show how much.
set -euo pipefail
script="$(realpath "$0")"
cd "$(dirname "$script")/.."
source bench/lib.sh

data=/work/shared/data/fashion-mnist
quick=() managed=1 out="" wait_quiet=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --data) data="$2"; shift 2 ;;
    --quick) quick=(--reps 1 --steps 60 --warmup-steps 60); shift ;;
    --no-managed) managed=0; shift ;;
    --out) out="$2"; shift 2 ;;
    --wait-quiet) wait_quiet="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$script" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ -z "$out" ]]; then out="$(mktemp -d)"; fi
mkdir -p "$out"
python=/usr/bin/python3   # Debian's interpreter, which has python3-torch

wait_for_quiet "$wait_quiet"

echo "== machine"
echo "date:    $(date '+%Y-%m-%d %H:%M %Z')"
echo "cpu:     $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
echo "openblas: $(readlink -f /usr/lib/x86_64-linux-gnu/libopenblas.so.0 2>/dev/null || echo '?'); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-(unset)}"
echo "dotnet:  $(dotnet --version); torch: $($python -c 'import torch; print(torch.__version__)')"
echo

echo "== build (Release)"
dotnet build -c Release bench/DistNet.Bench/DistNet.Bench.csproj -nologo -v q | grep -E "error|Warn|Elapsed" || true
bench=(dotnet bench/DistNet.Bench/bin/Release/net10.0/distnet-bench.dll)
echo

echo "== DistNet"
"${bench[@]}" --data "$data" --json "$out/distnet.json" "${quick[@]}"
echo
echo "== PyTorch"
$python bench/torch_peer.py --data "$data" --json "$out/torch.json" "${quick[@]}"
echo
if [[ $managed == 1 ]]; then
  echo "== DistNet on MathNet's managed provider (DISTNET_BLAS=managed), one short run for orientation"
  DISTNET_BLAS=managed "${bench[@]}" --data "$data" --json "$out/distnet-managed.json" --quick --threads 1 --activations sigmoid --no-breakdown
  echo
fi

echo "== side by side (higher is better; ratio = DistNet / PyTorch)"
$python - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
dn = json.load(open(os.path.join(out, "distnet.json")))
pt = json.load(open(os.path.join(out, "torch.json")))
key = lambda r: (r["activation"], r["threads"])
d = {key(r): r for r in dn["configurations"]}
p = {key(r): r for r in pt["configurations"] if not r.get("torch_only")}
loose = {r["activation"]: r for r in pt["configurations"] if r.get("torch_only") and r["threads"] == 1}

def row(label, a, b, unit="{:,.0f}"):
    ratio = f"{a / b:.2f}" if a and b else "-"
    fa = unit.format(a) if a is not None else "-"
    fb = unit.format(b) if b is not None else "-"
    print(f"{label:<46} {fa:>12} {fb:>12} {ratio:>8}")

print(f"{'training, samples/s (median)':<46} {'DistNet':>12} {'PyTorch':>12} {'ratio':>8}")
for k in sorted(d, key=lambda k: (k[1], k[0] != "sigmoid")):
    row(f"  {k[0]}, {k[1]} thread{'s' if k[1] > 1 else ''}", d[k]["train_samples_per_second"], p.get(k, {}).get("train_samples_per_second"))
if loose:
    print("  PyTorch with torch.set_num_threads(1) only (OpenBLAS keeps its default pool) vs DistNet 1 thread:")
    for act, r in loose.items():
        row(f"    {act}: DistNet 1 vs PyTorch 1 + OpenBLAS {r['blas_threads']}", d.get((act, 1), {}).get("train_samples_per_second"), r["train_samples_per_second"])
print(f"{'training, samples per CPU-second':<46}")
for k in sorted(d, key=lambda k: (k[1], k[0] != "sigmoid")):
    row(f"  {k[0]}, {k[1]} thread{'s' if k[1] > 1 else ''}", d[k]["train_samples_per_cpu_second"], p.get(k, {}).get("train_samples_per_cpu_second"))
print(f"{'inference, samples/s (batch 1024)':<46}")
for k in sorted(d, key=lambda k: (k[1], k[0] != "sigmoid")):
    row(f"  {k[0]}, {k[1]} thread{'s' if k[1] > 1 else ''}", d[k]["inference_samples_per_second"], p.get(k, {}).get("inference_samples_per_second"))
row("peak memory (VmHWM), MiB", dn["peak_memory_mib"], pt["peak_memory_mib"])
row("  of which after loading the data", dn["memory_after_load_mib"], pt["memory_after_load_mib"])
managed = os.path.join(out, "distnet-managed.json")
if os.path.exists(managed):
    m = json.load(open(managed))["configurations"][0]
    print(f"DistNet on the managed provider: {m['train_samples_per_second']:,.0f} training samples/s, "
          f"{m['inference_samples_per_second']:,.0f} inference samples/s ({m['activation']}, 1 thread, one short run)")
print(f"results: {out}")
PY
