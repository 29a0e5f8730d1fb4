#!/usr/bin/env bash
# Starts a parameter server and N worker processes on 127.0.0.1, waits for the result, stops them all.
#   deploy/local/run-cluster.sh [WORKERS] [training options for the ps...]
#   e.g. deploy/local/run-cluster.sh 3 --epochs 20 --hidden 64 --model-out model.json
set -euo pipefail
cd "$(dirname "$0")/../.."
workers=${1:-2}
shift || true
port=${DISTNET_PORT:-4053}
logs=${DISTNET_LOGS:-$(mktemp -d)}

dotnet build src/DistNet.Cli -c Release -v quiet -nologo >/dev/null
# Nodes JIT once, fully optimised (docs/cluster.md, "Runtime settings"); set DOTNET_TieredCompilation=1 to compare.
distnet=(env "DOTNET_TieredCompilation=${DOTNET_TieredCompilation:-0}" dotnet "src/DistNet.Cli/bin/Release/net10.0/distnet.dll")

pids=()
# Workers leave on their own once the ps is done; TERM the rest, and return only when all are gone
# (KILL after 10 s), so that nothing is left running or writing after the prompt is back.
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    (( alive )) || return 0
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

"${distnet[@]}" node --role ps --host 127.0.0.1 --port "$port" --min-workers "$workers" "$@" 2>&1 | tee "$logs/ps.log" &
ps_pid=$!
pids+=("$ps_pid")
for i in $(seq 1 "$workers"); do
  "${distnet[@]}" node --role worker --host 127.0.0.1 --seed-nodes "akka.tcp://distnet@127.0.0.1:$port" \
    >"$logs/worker-$i.log" 2>&1 &
  pids+=($!)
done
echo "ps and $workers workers started; worker logs in $logs" >&2
wait "$ps_pid"
