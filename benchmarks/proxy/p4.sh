#!/usr/bin/env bash
# P4: bowline-proxy against HAProxy on loopback, one command. Each proxy is pinned to one core
# (taskset), in front of the same tiny upstream (an HAProxy that answers 200 "ok" itself); wrk and
# the upstream share the other core. Two bowline-proxy roles run in the same run: the outbound
# listener (a sidecar's, routed by the ServiceEntry's host), and the gateway role (an ingress gateway
# serving a Gateway on port 8080 and the VirtualService bound to it). Prints requests/s, p50 with and
# without the hop (added p50), CPU time per request, RSS at about 1,000 requests/s (and its private
# anonymous part, without the pages of libjvm.so and the JDK's CDS archive that every JVM on the host
# shares), the CPU time each bowline-proxy took to be ready, and the 1-minute load average after each
# throughput run.
#
# REPS=N runs N processes of each bowline-proxy row (started together, warmed one after the other) and
# measures them in N rounds, each round HAProxy then one process of every row, so the rows alternate under
# the same load; each cell is then the median over the N processes with their range in brackets (two processes
# of one jar read up to 1.30x apart in CPU per request: one process per row decides nothing).
#
# usage: benchmarks/proxy/p4.sh        (after `mvn -B -o package -DskipTests`)
# env:   DUR=10 (seconds per run)  REPS=1 (processes per bowline-proxy row, and rounds)
#        REWARM=DUR (seconds of a second warm-up of each bowline-proxy, IDLE=35 s after its first; 0: none)  CORE_PROXY=0  CORE_LOAD=1  CONNS=64  PROXY_JVM_OPTS=...
#        PROXY_JAR=... (another build of bowline-proxy.jar, to compare two builds on the same machine)
#        CP_JAR=... (another build of bowline-control-plane.jar)
#        BASE_JAR=... (a second build, e.g. main's: its two roles run in the same run as base-outbound and
#        base-gateway, so a change is compared with what it changes under the same load)
#        MALLOC_ARENA_MAX=2 (glibc malloc arenas of the bowline-proxy JVMs)
#        UP HAP XDS (loopback ports; free ones are picked at start, and each bowline-proxy's, so two runs on one
#        machine do not collide)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DUR=${DUR:-10}
CORE_PROXY=${CORE_PROXY:-0}
CORE_LOAD=${CORE_LOAD:-1}
CONNS=${CONNS:-64}
BASE_JAR=${BASE_JAR:-}
REPS=${REPS:-1}
REWARM=${REWARM:-$DUR}
IDLE=${IDLE:-35}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" wrk taskset
ROWS="bowline-outbound bowline-gateway"
[ -z "$BASE_JAR" ] || ROWS="bowline-outbound base-outbound bowline-gateway base-gateway"
# loopback ports, free at start (held together while picked, so they differ): UP HAP XDS unless set, then a
# listener and an admin port for each bowline-proxy process
read -r -a FREE <<<"$(free_ports $((3 + 2 * REPS * $(wc -w <<<"$ROWS"))))"
UP=${UP:-${FREE[0]}} HAP=${HAP:-${FREE[1]}} XDS=${XDS:-${FREE[2]}}
NEXT_PORT=3

haproxy_config "$TMP/haproxy.cfg" "$HAP" "$UP"
cat > "$TMP/rate.lua" <<'LUA'
-- about 250 requests/s per connection: 4 connections give about 1,000 requests/s
function delay() return 4 end
LUA

start_upstream "$UP" "$CORE_LOAD"
taskset -c "$CORE_PROXY" haproxy -db -f "$TMP/haproxy.cfg" >/dev/null 2>&1 & HAP_PID=$!; PIDS+=($HAP_PID)
start_control_plane "$UP" "$XDS" "$CORE_LOAD" "$GATEWAY_YAML"
declare -A PORT PID ADMIN_OF
# start_row NAME JAR ROLE REP: one bowline-proxy process of a row (PROXY_JVM_OPTS and ARENAS: the launcher's flags, from lib.sh)
start_row() {
  local key=$1.$4 port=${FREE[$NEXT_PORT]} admin=${FREE[$((NEXT_PORT + 1))]} args
  NEXT_PORT=$((NEXT_PORT + 2))
  if [ "$3" = gateway ]; then
    args="--gateway --workload istio-ingressgateway-$1-$4.istio-system --label istio=ingressgateway --gateway-port 8080:$port"
  else
    args="--workload bench-$1-$4.default --outbound $port"
  fi
  # shellcheck disable=SC2086
  MALLOC_ARENA_MAX=$ARENAS taskset -c "$CORE_PROXY" java $PROXY_JVM_OPTS -jar "$2" --xds 127.0.0.1:$XDS $args \
    --admin "$admin" --threads 1 >"$TMP/$key.log" 2>&1 & PID[$key]=$!; PIDS+=($!)
  PORT[$key]=$port ADMIN_OF[$key]=$admin
}
for rep in $(seq 1 "$REPS"); do
  for name in $ROWS; do
    jar=$PROXY_JAR; [[ $name == base-* ]] && jar=$BASE_JAR
    start_row "$name" "$jar" "${name#*-}" "$rep"
  done
done
# ready (admin port), then routed (the control plane may publish the files a moment after its first answer)
await_route() { # key
  for _ in $(seq 1 150); do
    curl -fs --noproxy "*" "http://127.0.0.1:${ADMIN_OF[$1]}/ready" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fs --noproxy "*" "http://127.0.0.1:${ADMIN_OF[$1]}/ready" >/dev/null || { echo "p4: $1 not ready:" >&2; cat "$TMP/$1.log" >&2; exit 3; }
  await_echo "${PORT[$1]}" || { echo "p4: no route through $1: $through" >&2; cat "$TMP/$1.log" >&2; exit 3; }
}
for rep in $(seq 1 "$REPS"); do
  for name in $ROWS; do await_route "$name.$rep"; done
done
NAMES="haproxy $ROWS"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
CLK=$(getconf CLK_TCK)
# CPU time to ready (the JVMs started together and shared a core, so wall time says little)
startup_cpu() { awk -v t="$(ticks "$1")" -v c="$CLK" 'BEGIN { printf "%.2f", t / c }'; }
R_STARTUP="outbound $(startup_cpu "${PID[bowline-outbound.1]}") s, gateway $(startup_cpu "${PID[bowline-gateway.1]}") s"

load() { taskset -c "$CORE_LOAD" wrk "$@" -H "Host: echo" 2>&1; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
anon_mb() { awk '/RssAnon/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
p50_us() { awk '$1 == "50%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); print v } else if (v ~ /ms$/) { sub(/ms/, "", v); print v * 1000 } else { sub(/s/, "", v); print v * 1000000 } }'; }
rps() { awk '/Requests\/sec/ {print $2}'; }
total() { awk '/requests in/ {print $1}'; }

echo "warming up bowline-proxy, $REPS process(es) of each row (JIT), for $DUR s each..." >&2
declare -A WARMED
for rep in $(seq 1 "$REPS"); do
  for name in $ROWS; do
    load -t1 -c"$CONNS" -d"${DUR}s" "http://127.0.0.1:${PORT[$name.$rep]}/" >/dev/null
    WARMED[$name.$rep]=$(date +%s)
  done
done
# A second warm-up, once IDLE s have passed since a process's first: what a pause and a new load run first (the
# upstream closing pooled connections idle past its 30 s keep-alive timeout, then new downstream and upstream
# connections) takes branches C2 left out of the request path's compiled code, which then deoptimizes and compiles
# again. Without this pass that happens in the measured window, whose CPU per request then includes the compiler
# threads and code running interpreted (pcpu12: 2-54 % of a window's CPU in the JIT threads, 1.3x apart for one jar).
if [ "$REWARM" != 0 ]; then
  echo "warming up again after ${IDLE} s idle, for $REWARM s each..." >&2
  for rep in $(seq 1 "$REPS"); do
    for name in $ROWS; do
      wait_s=$((WARMED[$name.$rep] + IDLE - $(date +%s)))
      [ "$wait_s" -le 0 ] || sleep "$wait_s"
      load -t1 -c"$CONNS" -d"${REWARM}s" "http://127.0.0.1:${PORT[$name.$rep]}/" >/dev/null
    done
  done
fi

direct_p50=$(load -t1 -c1 -d5s --latency "http://127.0.0.1:$UP/" | p50_us)
PORT[haproxy.1]=$HAP PID[haproxy.1]=$HAP_PID
declare -A R
measure() { # name rep: one process's throughput, CPU per request, p50 and RSS at about 1,000 requests/s
  local key port pid t0 t1 j0 j1 out n p50 rate
  key=$1.$2; [ "$1" = haproxy ] && key=haproxy.1
  port=${PORT[$key]} pid=${PID[$key]}
  t0=$(ticks "$pid") j0=$(jit_ticks "$pid")
  out=$(load -t1 -c"$CONNS" -d"${DUR}s" --latency "http://127.0.0.1:$port/")
  t1=$(ticks "$pid") j1=$(jit_ticks "$pid")
  R[$1.$2.jit]=$(awk -v j=$((j1 - j0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.1f", (t > 0 ? 100 * j / t : 0) }')
  n=$(echo "$out" | total)
  R[$1.$2.rps]=$(echo "$out" | rps)
  R[$1.$2.load]=$(cut -d' ' -f1 /proc/loadavg)
  R[$1.$2.cpu]=$(awk -v t=$((t1 - t0)) -v n="$n" -v c="$CLK" 'BEGIN { printf "%.1f", t / c * 1e6 / n }')
  p50=$(load -t1 -c1 -d5s --latency "http://127.0.0.1:$port/" | p50_us)
  R[$1.$2.p50]=$p50
  R[$1.$2.added]=$(awk -v a="$p50" -v b="$direct_p50" 'BEGIN { printf "%.1f", a - b }')
  rate=$(load -t1 -c4 -d"${DUR}s" -s "$TMP/rate.lua" "http://127.0.0.1:$port/" | rps)
  R[$1.$2.rate]=$rate
  R[$1.$2.rss]=$(rss_mb "$pid")
  R[$1.$2.anon]=$(anon_mb "$pid")
}
# HAProxy then one process of every row, REPS rounds: each row's processes alternate with the others'
for rep in $(seq 1 "$REPS"); do
  for name in $NAMES; do
    measure "$name" "$rep"
    [ "$REPS" = 1 ] || echo "round $rep $name: ${R[$name.$rep.rps]} requests/s, ${R[$name.$rep.cpu]} µs/request (JIT ${R[$name.$rep.jit]} %), load ${R[$name.$rep.load]}" >&2
  done
done
# cell NAME FIELD: the value (REPS=1), or the median over the rounds and [min, max]
cell() {
  local v=() rep
  for rep in $(seq 1 "$REPS"); do v+=("${R[$1.$rep.$2]}"); done
  printf '%s\n' "${v[@]}" | sort -g | awk '{ x[NR] = $1 } END {
    m = NR % 2 ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2
    if (NR == 1) print x[1]; else printf "%s [%s, %s]", m, x[1], x[NR] }'
}

echo
echo "P4 on $(nproc) CPUs, $(uname -r); proxies on core $CORE_PROXY, wrk and upstream on core $CORE_LOAD; ${DUR} s runs, $CONNS connections"
[ "$REPS" = 1 ] || echo "REPS=$REPS: $REPS processes per bowline-proxy row, measured in $REPS rounds with HAProxy; each cell: median [min, max]"
echo "direct to the upstream: p50 ${direct_p50} µs; bowline-proxy CPU time to ready: $R_STARTUP"
echo
echo "| proxy | requests/s | p50 (µs, 1 conn) | added p50 (µs) | CPU µs/request | JIT threads' % of it | RSS MB at ~1,000 rps (measured rps) | of which private anon MB | load avg 1 min |"
echo "|---|---|---|---|---|---|---|---|---|"
for name in $NAMES; do
  echo "| $name | $(cell "$name" rps) | $(cell "$name" p50) | $(cell "$name" added) | $(cell "$name" cpu) | $(cell "$name" jit) | $(cell "$name" rss) ($(cell "$name" rate)) | $(cell "$name" anon) | $(cell "$name" load) |"
done
