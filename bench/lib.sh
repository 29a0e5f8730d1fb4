# Shell helpers shared by the bench/*.sh scripts (sourced, not run).

# busy_percent: how busy all CPUs were over the next 3 s, in % (/proc/stat: user+nice+system+irq+softirq).
busy_percent() {
  local a b
  a=$(awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6}' /proc/stat); sleep 3
  b=$(awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN{split(a,x," "); split(b,y," "); busy=y[1]-x[1]; idle=y[2]-x[2]; print (busy+idle>0) ? int(100*busy/(busy+idle)) : 0}'
}

# wait_for_quiet SECONDS: until the CPUs are < 10 % busy, at most SECONDS (0: do not wait); says which.
wait_for_quiet() {
  local seconds="${1:-0}"
  (( seconds > 0 )) || return 0
  local deadline=$((SECONDS + seconds)) busy
  while :; do
    busy=$(busy_percent)
    if (( busy < 10 )); then echo "machine quiet ($busy% busy)"; return; fi
    if (( SECONDS >= deadline )); then echo "warning: still $busy% busy after ${seconds} s; wall-clock figures will be low"; return; fi
  done
}

# free_port: a TCP port on this host that nothing listens on or uses right now.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    ss -Htan "sport = :$port" | grep -q . || { echo "$port"; return; }
  done
}

# print_machine LOGDIR: what the figures were measured on.
print_machine() {
  echo "== machine"
  echo "date:    $(date '+%Y-%m-%d %H:%M %Z')"
  echo "cpu:     $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB"
  echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
  echo "openblas: OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-(unset)}; dotnet $(dotnet --version)"
  echo "logs:    $1"
  echo
}

# build_cli: the Release build of distnet that the scripts run.
build_cli() {
  echo "== build (Release)"
  dotnet build src/DistNet.Cli -c Release -nologo -v q 2>&1 | grep -E " error |rror\(s\)|Elapsed" | sort -u || true
}
