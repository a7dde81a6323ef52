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
# usage: benchmarks/proxy/p4.sh        (after `mvn -B -o package -DskipTests`)
# env:   DUR=10 (seconds per run)  CORE_PROXY=0  CORE_LOAD=1  CONNS=64  PROXY_JVM_OPTS=...
#        PROXY_JAR=... (another build of bowline-proxy.jar, to compare two builds on the same machine)
#        CP_JAR=... (another build of bowline-control-plane.jar)
#        BASE_JAR=... (a second build, e.g. main's: its two roles run in the same run as base-outbound and
#        base-gateway, so a change is compared with what it changes under the same load)
#        MALLOC_ARENA_MAX=2 (glibc malloc arenas of the bowline-proxy JVMs)
#        UP HAP BOW GW XDS ADMIN GW_ADMIN BASE_BOW BASE_GW BASE_ADMIN BASE_GW_ADMIN (loopback ports; free ones
#        are picked at start, so two runs on one machine do not collide)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DUR=${DUR:-10}
CORE_PROXY=${CORE_PROXY:-0}
CORE_LOAD=${CORE_LOAD:-1}
CONNS=${CONNS:-64}
BASE_JAR=${BASE_JAR:-}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" wrk taskset
# loopback ports, free at start unless set: UP HAP BOW GW XDS ADMIN GW_ADMIN BASE_BOW BASE_GW BASE_ADMIN BASE_GW_ADMIN
read -r P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 <<<"$(free_ports 11)"
UP=${UP:-$P1} HAP=${HAP:-$P2} BOW=${BOW:-$P3} GW=${GW:-$P4} XDS=${XDS:-$P5} ADMIN=${ADMIN:-$P6} GW_ADMIN=${GW_ADMIN:-$P7}
BASE_BOW=${BASE_BOW:-$P8} BASE_GW=${BASE_GW:-$P9} BASE_ADMIN=${BASE_ADMIN:-$P10} BASE_GW_ADMIN=${BASE_GW_ADMIN:-$P11}

haproxy_config "$TMP/haproxy.cfg" "$HAP" "$UP"
cat > "$TMP/rate.lua" <<'LUA'
-- about 250 requests/s per connection: 4 connections give about 1,000 requests/s
function delay() return 4 end
LUA

start_upstream "$UP" "$CORE_LOAD"
taskset -c "$CORE_PROXY" haproxy -db -f "$TMP/haproxy.cfg" >/dev/null 2>&1 & HAP_PID=$!; PIDS+=($HAP_PID)
start_control_plane "$UP" "$XDS" "$CORE_LOAD" "$GATEWAY_YAML"
# PROXY_JVM_OPTS and ARENAS: the launcher's flags, from lib.sh
start_roles() { # jar suffix outbound-port outbound-admin gateway-port gateway-admin: sets BOW_PID and GW_PID
  # shellcheck disable=SC2086
  MALLOC_ARENA_MAX=$ARENAS taskset -c "$CORE_PROXY" java $PROXY_JVM_OPTS -jar "$1" --xds 127.0.0.1:$XDS --workload "bench$2.default" --outbound "$3" \
    --admin "$4" --threads 1 >"$TMP/proxy$2.log" 2>&1 & BOW_PID=$!; PIDS+=($BOW_PID)
  # shellcheck disable=SC2086
  MALLOC_ARENA_MAX=$ARENAS taskset -c "$CORE_PROXY" java $PROXY_JVM_OPTS -jar "$1" --gateway --xds 127.0.0.1:$XDS \
    --workload "istio-ingressgateway$2.istio-system" --label istio=ingressgateway --gateway-port "8080:$5" \
    --admin "$6" --threads 1 >"$TMP/gateway$2.log" 2>&1 & GW_PID=$!; PIDS+=($GW_PID)
}
if [ -n "$BASE_JAR" ]; then
  start_roles "$BASE_JAR" -base $BASE_BOW $BASE_ADMIN $BASE_GW $BASE_GW_ADMIN
  BASE_BOW_PID=$BOW_PID BASE_GW_PID=$GW_PID
fi
start_roles "$PROXY_JAR" "" $BOW $ADMIN $GW $GW_ADMIN
# ready (admin port), then routed (the control plane may publish the files a moment after its first answer)
await_route() { # name admin-port listen-port log
  for _ in $(seq 1 150); do
    curl -fs --noproxy "*" "http://127.0.0.1:$2/ready" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fs --noproxy "*" "http://127.0.0.1:$2/ready" >/dev/null || { echo "p4: $1 not ready:" >&2; cat "$4" >&2; exit 3; }
  await_echo "$3" || { echo "p4: no route through $1: $through" >&2; cat "$4" >&2; exit 3; }
}
await_route bowline-proxy $ADMIN $BOW "$TMP/proxy.log"
await_route "bowline-proxy --gateway" $GW_ADMIN $GW "$TMP/gateway.log"
NAMES="haproxy bowline-outbound bowline-gateway"
if [ -n "$BASE_JAR" ]; then
  await_route "base bowline-proxy" $BASE_ADMIN $BASE_BOW "$TMP/proxy-base.log"
  await_route "base bowline-proxy --gateway" $BASE_GW_ADMIN $BASE_GW "$TMP/gateway-base.log"
  NAMES="haproxy bowline-outbound base-outbound bowline-gateway base-gateway"
fi
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
CLK=$(getconf CLK_TCK)
# CPU time to ready (both JVMs started together and shared a core, so wall time says little)
startup_cpu() { awk -v t="$(ticks "$1")" -v c="$CLK" 'BEGIN { printf "%.2f", t / c }'; }
R_STARTUP="outbound $(startup_cpu $BOW_PID) s, gateway $(startup_cpu $GW_PID) s"

load() { taskset -c "$CORE_LOAD" wrk "$@" -H "Host: echo" 2>&1; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
anon_mb() { awk '/RssAnon/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
p50_us() { awk '$1 == "50%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); print v } else if (v ~ /ms$/) { sub(/ms/, "", v); print v * 1000 } else { sub(/s/, "", v); print v * 1000000 } }'; }
rps() { awk '/Requests\/sec/ {print $2}'; }
total() { awk '/requests in/ {print $1}'; }

echo "warming up bowline-proxy, both roles (JIT), for $DUR s each..." >&2
for port in $BOW $GW ${BASE_JAR:+$BASE_BOW $BASE_GW}; do
  load -t1 -c"$CONNS" -d"${DUR}s" "http://127.0.0.1:$port/" >/dev/null
done

direct_p50=$(load -t1 -c1 -d5s --latency "http://127.0.0.1:$UP/" | p50_us)
declare -A R
for name in $NAMES; do
  case $name in
    haproxy) port=$HAP; pid=$HAP_PID ;;
    bowline-outbound) port=$BOW; pid=$BOW_PID ;;
    bowline-gateway) port=$GW; pid=$GW_PID ;;
    base-outbound) port=$BASE_BOW; pid=$BASE_BOW_PID ;;
    base-gateway) port=$BASE_GW; pid=$BASE_GW_PID ;;
  esac
  t0=$(ticks $pid)
  out=$(load -t1 -c"$CONNS" -d"${DUR}s" --latency "http://127.0.0.1:$port/")
  t1=$(ticks $pid)
  n=$(echo "$out" | total)
  R[$name.rps]=$(echo "$out" | rps)
  R[$name.load]=$(cut -d' ' -f1 /proc/loadavg)
  R[$name.cpu]=$(awk -v t=$((t1 - t0)) -v n="$n" -v c="$CLK" 'BEGIN { printf "%.1f", t / c * 1e6 / n }')
  p50=$(load -t1 -c1 -d5s --latency "http://127.0.0.1:$port/" | p50_us)
  R[$name.p50]=$p50
  R[$name.added]=$(awk -v a="$p50" -v b="$direct_p50" 'BEGIN { printf "%.1f", a - b }')
  rate=$(load -t1 -c4 -d"${DUR}s" -s "$TMP/rate.lua" "http://127.0.0.1:$port/" | rps)
  R[$name.rate]=$rate
  R[$name.rss]=$(rss_mb $pid)
  R[$name.anon]=$(anon_mb $pid)
done

echo
echo "P4 on $(nproc) CPUs, $(uname -r); proxies on core $CORE_PROXY, wrk and upstream on core $CORE_LOAD; ${DUR} s runs, $CONNS connections"
echo "direct to the upstream: p50 ${direct_p50} µs; bowline-proxy CPU time to ready: $R_STARTUP"
echo
echo "| proxy | requests/s | p50 (µs, 1 conn) | added p50 (µs) | CPU µs/request | RSS MB at ~1,000 rps (measured rps) | of which private anon MB | load avg 1 min |"
echo "|---|---|---|---|---|---|---|---|"
for name in $NAMES; do
  echo "| $name | ${R[$name.rps]} | ${R[$name.p50]} | ${R[$name.added]} | ${R[$name.cpu]} | ${R[$name.rss]} (${R[$name.rate]}) | ${R[$name.anon]} | ${R[$name.load]} |"
done
