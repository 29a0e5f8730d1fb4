#!/usr/bin/env bash
# Cluster benchmark: serialization, steps/s over loopback against in process, bytes on the wire,
# and the time to notice a killed worker (docs/benchmarks.md, "Cluster").
#
#   bench/cluster.sh [--parts LIST] [--rounds N] [--epochs E] [--ps-workers K] [--failover-rounds N] [--data DIR] [--out DIR] [--wait-quiet S] [--env K=V]
#
#   --parts LIST         any of serialization,throughput,failover (default: all three)
#   --rounds N           throughput: back-to-back pairs (in process, cluster), order alternating (default 5)
#   --epochs E           throughput: epochs per run (default 6; at least 3)
#   --ps-workers K       throughput: of the cluster's 2 workers, K run in the ps's process (--ps-workers) and
#                        2 − K in worker processes (default 0: a ps and 2 worker processes)
#   --failover-rounds N  failover: kills per --task-timeout setting (default 3)
#   --data DIR           Fashion-MNIST IDX directory (default /work/shared/data/fashion-mnist)
#   --out DIR            keep the logs there (default: a temporary directory)
#   --wait-quiet S       wait up to S seconds for a moment when other processes use < 10% of the CPUs,
#                        before each part and each throughput round
#   --env K=V            set this environment variable for every distnet process (repeatable), e.g.
#                        --env DOTNET_GCgen0size=0x4000000 (an experiment: the GC's gen0 budget, 64 MB).
#                        Every distnet process here, in process and on the cluster, starts with
#                        DOTNET_TieredCompilation=0, as deploy/ runs nodes; --env DOTNET_TieredCompilation=1 undoes it
#
# throughput: `distnet train --workers 2` against a ps and 2 worker processes on 127.0.0.1, both with
#   --hidden 256,128 --batch 256 --micro-shards 2 --epochs E --validation 0 --lr 0.1 (128 samples per
#   worker and step). Two figures per run: samples/s of epoch 2 (still warming up: the JIT's tiers, three
#   processes on two cores) and the steady state, the median of epochs 3..E. Bytes on the wire:
#   the ps's TCP connections (ss -ti: bytes_sent, bytes_received), read once as it reports its last epoch.
# failover: a ps and 2 workers training (--epochs 100); once epoch 1 is done, kill -9 of the second
#   worker; the time from the kill to the ps's "did not answer" and "lost" notes (lines timestamped
#   here as they arrive), with --task-timeout 2 and with the default (30 s).
# Every process started here is stopped here, by its PID.
set -euo pipefail
script="$(realpath "$0")"
cd "$(dirname "$script")/.."
source bench/lib.sh

data=/work/shared/data/fashion-mnist
parts=serialization,throughput,failover rounds=5 epochs=6 ps_workers=0 failover_rounds=3 out="" wait_quiet=0 node_env=(DOTNET_TieredCompilation=0)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --parts) parts="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --ps-workers) ps_workers="$2"; shift 2 ;;
    --failover-rounds) failover_rounds="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --wait-quiet) wait_quiet="$2"; shift 2 ;;
    --env) node_env+=("$2"); shift 2 ;;
    -h|--help) sed -n "2,26p" "$script" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "cluster.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $ps_workers =~ ^[012]$ ]] || { echo "cluster.sh: --ps-workers must be 0, 1 or 2" >&2; exit 2; }
(( epochs >= 3 )) || { echo "cluster.sh: --epochs must be at least 3 (epochs 1 and 2 warm up)" >&2; exit 2; }
if [[ -z "$out" ]]; then out="$(mktemp -d)"; fi
mkdir -p "$out"
python=/usr/bin/python3
has_part() { [[ ",$parts," == *",$1,"* ]]; }

# ---- processes: every PID started is remembered and stopped at the end
pids=()
stop_pid() {   # TERM, then KILL after 3 s; only our own PIDs
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() { for pid in "${pids[@]}"; do stop_pid "$pid"; done; }
trap cleanup EXIT INT TERM

# Prefix every line with the wall-clock time it arrived at (seconds since the epoch, µs).
stamp() { while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done; }
# stamp_ps PIDFILE SSFILE: stamp, and at the last epoch's line one look at the ps's connections (ss_sample):
# the counters are totals for the run, and the connections close soon after, as the ps leaves. Nothing
# polls while the cluster trains: starting a process costs ~4 ms of CPU on this VM (fork and exec under
# a paravirtualised kernel), and polling with grep and sleep every 50 ms took about a sixth of a core from the
# cluster and none from the in-process run it is compared with.
stamp_ps() {
  local pidfile=$1 ssfile=$2 line
  while IFS= read -r line; do
    printf '%s %s\n' "$EPOCHREALTIME" "$line"
    if [[ $line =~ epoch\ +$epochs/$epochs\  ]]; then ss_sample "$(< "$pidfile")" > "$ssfile"; fi
  done
}



# wait_for_line FILE PATTERN SECONDS PID: until FILE has a line matching PATTERN, PID exits, or the time is up.
wait_for_line() {
  local file=$1 pattern=$2 limit=$3 pid=${4:-} deadline
  deadline=$(( $(date +%s) + limit ))
  while (( $(date +%s) < deadline )); do
    grep -qE "$pattern" "$file" 2>/dev/null && return 0
    [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null && { grep -qE "$pattern" "$file" 2>/dev/null; return; }
    sleep 0.05
  done
  return 1
}

print_machine "$out"

build_cli
distnet=(env "${node_env[@]}" dotnet src/DistNet.Cli/bin/Release/net10.0/distnet.dll)
(( ${#node_env[@]} == 0 )) || echo "environment of the distnet processes: ${node_env[*]}"
if has_part serialization; then
  dotnet build -c Release bench/DistNet.Bench/DistNet.Bench.csproj -nologo -v q 2>&1 | grep -E " error |rror\(s\)" | sort -u || true
fi
echo

job=(--data "idx:$data" --hidden 256,128 --validation 0 --lr 0.1)

if has_part serialization; then
  echo "== serialization (distnet-bench --suite cluster)"
  wait_for_quiet "$wait_quiet"
  dotnet bench/DistNet.Bench/bin/Release/net10.0/distnet-bench.dll --suite cluster --json "$out/serialization.json"
  echo
fi

# Starts a ps and 2 workers, LOCAL of them in the ps's process; sets ps_pid, worker_pids, ps_log. Extra arguments go to the ps.
# The ps's output goes through stamp_ps, which also takes the one ss sample (see ss_sample) when the last epoch is reported.
start_cluster() {
  local tag=$1 local=$2; shift 2
  local port; port=$(free_port)
  ps_log="$out/$tag-ps.log" ss_file="$out/$tag-ss.txt"
  rm -f "$ss_file" "$out/$tag-ps.pid"
  "${distnet[@]}" node --role ps --port "$port" --min-workers 2 --ps-workers "$local" "$@" \
    > >(stamp_ps "$out/$tag-ps.pid" "$ss_file" > "$ps_log") 2>&1 &
  ps_pid=$!; pids+=("$ps_pid"); echo "$ps_pid" > "$out/$tag-ps.pid"
  wait_for_line "$ps_log" "waiting for" 30 "$ps_pid" || { echo "ps did not start; see $ps_log" >&2; return 1; }
  worker_pids=()
  for i in $(seq $((local + 1)) 2); do
    "${distnet[@]}" node --seed-nodes "akka.tcp://distnet@127.0.0.1:$port" > >(stamp > "$out/$tag-worker-$i.log") 2>&1 &
    worker_pids+=($!); pids+=($!)
  done
}

stop_cluster() { stop_pid "$ps_pid"; for pid in "${worker_pids[@]}"; do stop_pid "$pid"; done; }

# Sums bytes_sent and bytes_received over the TCP connections of PID (the largest value seen per connection).
ss_sample() {
  ss -HtinpO 2>/dev/null | awk -v pid="pid=$1," '
    index($0, pid) { key = $4 " " $5; s = r = 0
      for (i = 1; i <= NF; i++) { if ($i ~ /^bytes_sent:/) s = substr($i, 12); if ($i ~ /^bytes_received:/) r = substr($i, 16) }
      print key, s, r }'
}

if has_part throughput; then
  layout="a ps + 2 worker processes"; (( ps_workers == 1 )) && layout="a ps with 1 of the workers in its process + 1 worker process"
  (( ps_workers == 2 )) && layout="a ps with both workers in its process"
  echo "== throughput: 2 workers in process against $layout on 127.0.0.1 (global batch 256, 2 micro-shards)"
  wait_for_quiet "$wait_quiet"
  # samples/s of each epoch, in order
  epoch_rates() { sed -n 's/.*epoch *[0-9]*\/[0-9]* .* \([0-9,]*\) samples\/s.*/\1/p' "$1" | tr -d ,; }
  epoch2() { epoch_rates "$1" | sed -n 2p; }
  steady() { epoch_rates "$1" | tail -n +3 | sort -n | awk '{a[NR]=$1} END { if (NR) print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2) }'; }
  results="$out/throughput.tsv"
  printf 'round\tload\tin_process_samples_s\tcluster_samples_s\tratio\tbytes_ps_sent\tbytes_ps_received\tupdates\ttasks\tin_process_epoch2\tcluster_epoch2\n' > "$results"
  for round in $(seq 1 "$rounds"); do
    wait_for_quiet "$wait_quiet"
    inproc() {
      "${distnet[@]}" train --workers 2 --batch 256 --micro-shards 2 --epochs "$epochs" "${job[@]}" > "$out/round$round-inprocess.log" 2>&1
    }
    cluster() {
      start_cluster "round$round" "$ps_workers" --batch 256 --micro-shards 2 --epochs "$epochs" "${job[@]}"
      # The ps ends on its own after its last epoch; waiting for it costs no CPU. A watchdog stops a hung run.
      ( trap 'kill "$nap" 2>/dev/null; exit 0' TERM; sleep 600 & nap=$!; wait "$nap"; kill -TERM "$ps_pid" 2>/dev/null ) &
      local watchdog=$!
      wait "$ps_pid" 2>/dev/null || true
      kill -TERM "$watchdog" 2>/dev/null || true
      wait_for_line "$ps_log" " updates, " 10 || true   # the stamping of the ps's last lines may lag its exit
      stop_cluster
      declare -A sent=() received=()
      while read -r a b s r; do
        if [[ -z "$a" ]]; then continue; fi
        sent["$a $b"]=$s; received["$a $b"]=$r
      done < <([[ -f $ss_file ]] && cat "$ss_file")
      bytes_sent=0 bytes_received=0
      for k in "${!sent[@]}"; do bytes_sent=$((bytes_sent + sent[$k])); bytes_received=$((bytes_received + received[$k])); done
    }
    load=$(cut -d' ' -f1 /proc/loadavg)
    if (( round % 2 == 1 )); then inproc; cluster; else cluster; inproc; fi
    a=$(steady "$out/round$round-inprocess.log"); b=$(steady "$ps_log")
    a2=$(epoch2 "$out/round$round-inprocess.log"); b2=$(epoch2 "$ps_log")
    summary=$(sed -n 's/.* \([0-9]*\) updates, \([0-9]*\) tasks.*/\1 \2/p' "$ps_log" | tail -1)
    read -r updates tasks <<<"${summary:-0 0}"
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN{ if (a > 0) printf "%.3f", b / a; else print "nan" }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$load" "$a" "$b" "$ratio" "$bytes_sent" "$bytes_received" "$updates" "$tasks" "$a2" "$b2" >> "$results"
    echo "  round $round (load $load): steady (epochs 3..$epochs) in process ${a} samples/s, cluster ${b} samples/s, cluster / in process $ratio; epoch 2: ${a2} and ${b2}; ps sent $bytes_sent, received $bytes_received bytes in $updates updates ($tasks tasks)"
  done
  "$python" - "$results" $((2 - ps_workers)) <<'PY'
import csv, statistics, sys
remote = int(sys.argv[2])
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
ok = [r for r in rows if r["in_process_samples_s"] and r["cluster_samples_s"]]
if not ok: sys.exit("no complete round")
med = lambda xs: statistics.median(xs)
a = med(float(r["in_process_samples_s"]) for r in ok); b = med(float(r["cluster_samples_s"]) for r in ok)
ratios = [float(r["cluster_samples_s"]) / float(r["in_process_samples_s"]) for r in ok]
P = 235146; vector = 4 * P
print(f"steady state, median of {len(ok)}: in process {a:,.0f} samples/s ({a/256:.0f} steps/s), cluster {b:,.0f} samples/s ({b/256:.0f} steps/s); "
      f"cluster / in process {med(ratios):.3f} (rounds: {' '.join(f'{x:.2f}' for x in ratios)}); goal ≥ 0.8")
warm = [float(r["cluster_epoch2"]) / float(r["in_process_epoch2"]) for r in ok if r["cluster_epoch2"] and r["in_process_epoch2"]]
if warm: print(f"epoch 2 (warming up): cluster / in process {med(warm):.3f} (rounds: {' '.join(f'{x:.2f}' for x in warm)})")
per = [(int(r["bytes_ps_sent"]) / int(r["updates"]) / remote, int(r["bytes_ps_received"]) / int(r["updates"]) / remote)
       for r in ok if int(r["updates"]) > 0 and remote > 0]
if per:
    s = med(x for x, _ in per); rcv = med(y for _, y in per)
    print(f"bytes on the wire per step per worker process (TCP payload, whole run incl. joining and gossip / updates / {remote}): "
          f"ps → worker {s:,.0f}, worker → ps {rcv:,.0f}; minimum 4 × {P:,} = {vector:,} each way "
          f"({s / vector:.4f}× and {rcv / vector:.4f}×)")
    if max(s, rcv) < vector / 2:
        print("  the vectors went through shared memory (worker processes on the ps's host, docs/cluster.md); "
              "TCP carried the rest of each frame. --env DISTNET_SHARED_MEMORY=off sends them over TCP, as between hosts")
PY
  echo
fi

if has_part failover; then
  echo "== failover: kill -9 of a worker process during training; time to the ps's notes"
  wait_for_quiet "$wait_quiet"
  results="$out/failover.tsv"
  printf 'timeout\tround\tdid_not_answer_s\tlost_s\n' > "$results"
  for timeout in 2 default; do
    for round in $(seq 1 "$failover_rounds"); do
      extra=(); [[ $timeout != default ]] && extra=(--task-timeout "$timeout")
      tag="failover-$timeout-$round"
      start_cluster "$tag" 0 --batch 256 --micro-shards 2 --epochs 100 "${job[@]}" "${extra[@]}"
      if ! wait_for_line "$ps_log" "epoch +1/" 90 "$ps_pid"; then echo "  $tag: training did not start; see $ps_log"; stop_cluster; continue; fi
      sleep 1
      kill -KILL "${worker_pids[1]}"; killed=$EPOCHREALTIME
      wait "${worker_pids[1]}" 2>/dev/null || true
      wait_for_line "$ps_log" "note: worker [0-9]+ lost" 60 "$ps_pid" || true
      sleep 0.5
      stop_cluster
      times=$(awk -v k="$killed" '
        $1 > k && /did not answer/ && !n { n = $1 - k }
        $1 > k && /note: worker [0-9]+ lost/ && !l { l = $1 - k }
        END { printf "%s %s", (n ? sprintf("%.2f", n) : "-"), (l ? sprintf("%.2f", l) : "-") }' "$ps_log")
      read -r no_answer lost <<<"$times"
      printf '%s\t%s\t%s\t%s\n' "$timeout" "$round" "$no_answer" "$lost" >> "$results"
      echo "  --task-timeout $timeout, round $round: kill at $killed; 'did not answer' after ${no_answer} s, 'lost' after ${lost} s"
    done
  done
  "$python" - "$results" $((2 - ps_workers)) <<'PY'
import csv, statistics, sys
remote = int(sys.argv[2])
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
for t in ("2", "default"):
    rs = [r for r in rows if r["timeout"] == t]
    def med(key):
        xs = [float(r[key]) for r in rs if r[key] != "-"]
        return f"{statistics.median(xs):.2f} s (of {len(xs)}: {', '.join(f'{x:.2f}' for x in xs)})" if xs else "never printed"
    print(f"--task-timeout {t}: 'did not answer' {med('did_not_answer_s')}; 'lost' {med('lost_s')}")
PY
fi
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg); logs in $out"
