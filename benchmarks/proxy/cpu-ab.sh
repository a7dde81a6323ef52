#!/usr/bin/env bash
# CPU per request of two bowline-proxy builds (or one build under two flag sets), one role, measured in
# alternating windows on the same core, so that a shared machine's load falls on both alike: both proxies
# pinned to CORE_PROXY, wrk, the upstream (an HAProxy answering 200 "ok") and the control plane to CORE_LOAD.
# After a saturating warm-up of each (WARM s, 64 connections: C2 compiles the request path), ROUNDS rounds of
# one DUR s window per side; each window prints the process's CPU time per request (user and system, from
# /proc), its user part per request and user share, the JIT compiler threads' share of it and the methods compiled in it (a window in which C2 still compiles, or compiles again after a deoptimization, says so), and the young collections (and their pause time) per 1,000 requests (jstat).
# The last lines give each side's mean and B's over A's.
#
# usage: benchmarks/proxy/cpu-ab.sh        (after `mvn -B -o package -DskipTests`)
# env:   A_JAR=... (default BASE_JAR, else PROXY_JAR)  B_JAR=... (default PROXY_JAR)
#        A_OPTS= B_OPTS= (JVM flags added after PROXY_JVM_OPTS, the launcher's of lib.sh, for each side)
#        ROLE=outbound|gateway (both sides), or A_ROLE= B_ROLE= (one build's two roles against each other: the
#        gateway's cost over the outbound role's on the same traffic)  WARM=25  REWARM=10 (a second warm-up,
#        IDLE=35 s after the first; 0: none)  DUR=10  ROUNDS=4  CONNS=64  CORE_PROXY=0  CORE_LOAD=1
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROLE=${ROLE:-outbound}; A_ROLE=${A_ROLE:-$ROLE}; B_ROLE=${B_ROLE:-$ROLE}
WARM=${WARM:-25}; REWARM=${REWARM:-10}; IDLE=${IDLE:-35}; DUR=${DUR:-10}; ROUNDS=${ROUNDS:-4}; CONNS=${CONNS:-64}
CORE_PROXY=${CORE_PROXY:-0}; CORE_LOAD=${CORE_LOAD:-1}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" wrk taskset jstat
A_JAR=${A_JAR:-${BASE_JAR:-$PROXY_JAR}}; B_JAR=${B_JAR:-$PROXY_JAR}
read -r UP XDS A_PORT A_ADMIN B_PORT B_ADMIN <<<"$(free_ports 6)"
start_upstream "$UP" "$CORE_LOAD"
start_control_plane "$UP" "$XDS" "$CORE_LOAD" "$GATEWAY_YAML"

start() { # side jar port admin extra-opts role: prints the pid
  local role_args
  if [ "$6" = gateway ]; then
    role_args="--gateway --workload istio-ingressgateway-$1.istio-system --label istio=ingressgateway --gateway-port 8080:$3"
  else
    role_args="--workload bench-$1.default --outbound $3"
  fi
  # shellcheck disable=SC2086
  MALLOC_ARENA_MAX=$ARENAS taskset -c "$CORE_PROXY" java $PROXY_JVM_OPTS $5 -jar "$2" --xds 127.0.0.1:$XDS $role_args \
    --admin "$4" --threads 1 >"$TMP/$1.log" 2>&1 &
  echo $!
}
A_PID=$(start a "$A_JAR" "$A_PORT" "$A_ADMIN" "${A_OPTS:-}" "$A_ROLE"); PIDS+=("$A_PID")
B_PID=$(start b "$B_JAR" "$B_PORT" "$B_ADMIN" "${B_OPTS:-}" "$B_ROLE"); PIDS+=("$B_PID")
for side in a b; do
  port=$A_PORT; [ $side = b ] && port=$B_PORT
  await_echo "$port" || await_echo "$port" || { echo "cpu-ab: no route through side $side" >&2; cat "$TMP/$side.log" >&2; exit 3; }
done

load() { taskset -c "$CORE_LOAD" wrk -t1 -c"$CONNS" -d"$1s" -H "Host: echo" "http://127.0.0.1:$2/" 2>&1; }
stat_of() { awk '{print $14, $15}' "/proc/$1/stat"; }          # user and system ticks
comp_of() { jstat -compiler "$1" | awk 'NR == 2 {print $1}'; } # methods compiled so far
gc_of() { jstat -gc "$1" | awk 'NR == 2 {print $(NF - 6), $(NF - 5)}'; } # young collections, their seconds
echo "warming up each side for $WARM s..." >&2
load "$WARM" "$A_PORT" >/dev/null; A_WARMED=$(date +%s)
load "$WARM" "$B_PORT" >/dev/null; B_WARMED=$(date +%s)
# again once IDLE s have passed since each side's first warm-up: a pause and a new load run first (the upstream
# closing pooled connections idle past its 30 s keep-alive timeout, new connections) deoptimize the request path
# once; that recompilation then falls in this warm-up, not in a measured window (as p4.sh does)
if [ "$REWARM" != 0 ]; then
  for side in A B; do
    warmed=${side}_WARMED port=${side}_PORT
    wait_s=$((${!warmed} + IDLE - $(date +%s)))
    [ "$wait_s" -le 0 ] || sleep "$wait_s"
    load "$REWARM" "${!port}" >/dev/null
  done
fi
CLK=$(getconf CLK_TCK)
echo "cpu-ab: A $A_ROLE $A_JAR ${A_OPTS:-}; B $B_ROLE $B_JAR ${B_OPTS:-}; ${DUR} s windows, $CONNS connections"
echo "| round | side | requests/s | CPU µs/request | user µs/request | user share | JIT threads' share | methods compiled | young GCs per 1,000 requests | GC µs/request | load avg 1 min |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for r in $(seq 1 "$ROUNDS"); do
  for side in a b; do
    pid=$A_PID; port=$A_PORT; [ $side = b ] && { pid=$B_PID; port=$B_PORT; }
    read -r u0 s0 <<<"$(stat_of "$pid")"; read -r g0 gt0 <<<"$(gc_of "$pid")"; j0=$(jit_ticks "$pid") c0=$(comp_of "$pid")
    out=$(load "$DUR" "$port")
    read -r u1 s1 <<<"$(stat_of "$pid")"; read -r g1 gt1 <<<"$(gc_of "$pid")"; j1=$(jit_ticks "$pid") c1=$(comp_of "$pid")
    n=$(echo "$out" | awk '/requests in/ {print $1}')
    awk -v r="$r" -v side="$side" -v n="$n" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v c="$CLK" -v g=$((g1 - g0)) -v j=$((j1 - j0)) -v cc=$((c1 - c0)) \
      -v gt="$(awk -v a="$gt0" -v b="$gt1" 'BEGIN {print b - a}')" -v d="$DUR" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
      'BEGIN { printf "| %d | %s | %.0f | %.2f | %.2f | %.0f %% | %.1f %% | %d | %.2f | %.2f | %s |\n", r, toupper(side), n / d, (u + s) / c * 1e6 / n,
               u / c * 1e6 / n, 100 * u / (u + s), 100 * j / (u + s), cc, g * 1000 / n, gt * 1e6 / n, l }' | tee -a "$TMP/rows"
  done
done
awk -F'|' '{ cpu[$3] += $5; usr[$3] += $6; gc[$3] += $10; k[$3]++ }
  END { a = cpu[" A "] / k[" A "]; b = cpu[" B "] / k[" B "]; ua = usr[" A "] / k[" A "]; ub = usr[" B "] / k[" B "]
        printf "\nmean CPU µs/request: A %.2f, B %.2f, B/A %.3f; user µs/request: A %.2f, B %.2f, B/A %.3f; young GCs per 1,000 requests: A %.2f, B %.2f\n",
               a, b, b / a, ua, ub, ub / ua, gc[" A "] / k[" A "], gc[" B "] / k[" B "] }' "$TMP/rows"
