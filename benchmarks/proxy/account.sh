#!/usr/bin/env bash
# Where the CPU per request goes, HAProxy against one bowline-proxy role, with P4's traffic and pinning (both
# proxies on CORE_PROXY; wrk, the upstream and the control plane on CORE_LOAD): per request, each process's user
# and system µs by thread group (event loop, VM thread = SerialGC's young collections, JIT, other), minor page
# faults and voluntary/involuntary context switches (per 1,000 requests), and the proxy's young collections and
# their time per request (jstat). ROUNDS alternating DUR s windows (HAProxy, then the proxy) after the proxy's
# warm-ups. With PROF=1 a last window of each is profiled: HAProxy with `perf record -g`, the proxy with
# async-profiler (event=cpu, INTERVAL, kernel frames, by thread; loaded into the running JVM with
# `jcmd JVMTI.agent_load`, its options quoted for jcmd's parser, so the warm code is not recompiled), both written as collapsed stacks to OUT.
# async-profiler is fetched from Maven Central (tools.profiler:async-profiler:3.0, linux-x64) when AP is unset.
#
# usage: benchmarks/proxy/account.sh        (after `mvn -B -o package -DskipTests`; PROF=1 needs perf)
# env:   ROLE=gateway|outbound  WARM=25  REWARM=10  IDLE=35  DUR=10  ROUNDS=2  CONNS=64  CORE_PROXY=0  CORE_LOAD=1
#        PROXY_JAR=...  PROXY_OPTS= (JVM flags added after the launcher's)  PROF=0  INTERVAL=100us
#        OUT=/tmp/account-ROLE  AP=/path/to/libasyncProfiler.so
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROLE=${ROLE:-gateway}; WARM=${WARM:-25}; REWARM=${REWARM:-10}; IDLE=${IDLE:-35}; DUR=${DUR:-10}; ROUNDS=${ROUNDS:-2}
CONNS=${CONNS:-64}; CORE_PROXY=${CORE_PROXY:-0}; CORE_LOAD=${CORE_LOAD:-1}; PROF=${PROF:-0}; INTERVAL=${INTERVAL:-100us}
OUT=${OUT:-/tmp/account-$ROLE}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh" wrk taskset jstat jcmd
mkdir -p "$OUT"
if [ "$PROF" = 1 ] && [ -z "${AP:-}" ]; then
  AP=$("$HERE/aprof-fetch.sh")
fi
read -r UP XDS HAP PORT ADMIN <<<"$(free_ports 5)"
start_upstream "$UP" "$CORE_LOAD"
start_control_plane "$UP" "$XDS" "$CORE_LOAD" "$GATEWAY_YAML"
haproxy_config "$TMP/haproxy.cfg" "$HAP" "$UP"
taskset -c "$CORE_PROXY" haproxy -db -f "$TMP/haproxy.cfg" >/dev/null 2>&1 & HAP_PID=$!; PIDS+=($HAP_PID)
if [ "$ROLE" = gateway ]; then
  ROLE_ARGS="--gateway --workload istio-ingressgateway.istio-system --label istio=ingressgateway --gateway-port 8080:$PORT"
else
  ROLE_ARGS="--workload account.default --outbound $PORT"
fi
# shellcheck disable=SC2086
MALLOC_ARENA_MAX=$ARENAS taskset -c "$CORE_PROXY" java $PROXY_JVM_OPTS ${PROXY_OPTS:-} -jar "$PROXY_JAR" --xds 127.0.0.1:$XDS \
  $ROLE_ARGS --admin "$ADMIN" --threads 1 >"$OUT/proxy.log" 2>&1 &
PID=$!; PIDS+=($PID)
await_echo "$HAP" || { echo "account: no answer through HAProxy" >&2; exit 3; }
await_echo "$PORT" || await_echo "$PORT" || { echo "account: no route through $ROLE" >&2; cat "$OUT/proxy.log" >&2; exit 3; }

load() { taskset -c "$CORE_LOAD" wrk -t1 -c"$CONNS" -d"$1s" -H "Host: echo" "http://127.0.0.1:$2/" 2>&1; }
gc_of() { jstat -gc "$1" | awk 'NR == 2 {print $(NF - 6), $(NF - 5)}'; } # young collections, their seconds
echo "account: warming up $ROLE for $WARM s, again for $REWARM s after ${IDLE} s..." >&2
load "$WARM" "$PORT" >/dev/null
load "$WARM" "$HAP" >/dev/null
sleep "$IDLE"; [ "$REWARM" = 0 ] || load "$REWARM" "$PORT" >/dev/null

echo "account: $ROLE $PROXY_JAR ${PROXY_OPTS:-}; ${DUR} s windows, $CONNS connections; per request (faults and switches per 1,000)"
echo "| round | process | requests/s | load avg 1 min | young GCs per 1,000 | GC µs/request |"
echo "|---|---|---|---|---|---|"
: > "$TMP/threads"
for r in $(seq 1 "$ROUNDS"); do
  for who in haproxy proxy; do
    pid=$HAP_PID port=$HAP; [ $who = proxy ] && { pid=$PID port=$PORT; }
    /usr/bin/python3 "$HERE/taskstat.py" snap "$pid" > "$TMP/a"; read -r g0 gt0 <<<"$( [ $who = proxy ] && gc_of "$pid" || echo 0 0)"
    out=$(load "$DUR" "$port")
    /usr/bin/python3 "$HERE/taskstat.py" snap "$pid" > "$TMP/b"; read -r g1 gt1 <<<"$( [ $who = proxy ] && gc_of "$pid" || echo 0 0)"
    n=$(echo "$out" | awk '/requests in/ {print $1}')
    awk -v r="$r" -v w="$who" -v n="$n" -v d="$DUR" -v g=$((g1 - g0)) -v gt="$(awk -v a="$gt0" -v b="$gt1" 'BEGIN {print b - a}')" \
      -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN { printf "| %d | %s | %.0f | %s | %.2f | %.2f |\n", r, w, n / d, l, g * 1000 / n, gt * 1e6 / n }'
    /usr/bin/python3 "$HERE/taskstat.py" diff "$TMP/a" "$TMP/b" "$n" | sed "s/^| $pid |/| $r | $who |/" >> "$TMP/threads"
  done
done
echo
echo "| round | process | threads | user µs | sys µs | CPU µs | minor faults /1,000 | voluntary cs /1,000 | involuntary cs /1,000 |"
echo "|---|---|---|---|---|---|---|---|---|"
cat "$TMP/threads"

if [ "$PROF" = 1 ]; then
  perf record -q -g -F 10000 -p "$HAP_PID" -o "$OUT/haproxy.data" -- sleep "$((DUR + 1))" 2>/dev/null &
  perf_pid=$!; sleep 0.5
  n=$(load "$DUR" "$HAP" | awk '/requests in/ {print $1}'); wait "$perf_pid" || true
  perf script -i "$OUT/haproxy.data" 2>/dev/null | /usr/bin/python3 "$HERE/collapse.py" > "$OUT/haproxy.collapsed"
  echo "$n" > "$OUT/haproxy.requests"
  jcmd "$PID" JVMTI.agent_load "$AP" "\"start,event=cpu,interval=$INTERVAL,threads,cstack=vm\"" >/dev/null
  sleep 0.5
  n=$(load "$DUR" "$PORT" | awk '/requests in/ {print $1}')
  jcmd "$PID" JVMTI.agent_load "$AP" "\"stop,file=$OUT/proxy.collapsed,collapsed\"" >/dev/null
  echo "$n" > "$OUT/proxy.requests"
  echo
  echo "profiles: $OUT/haproxy.collapsed ($(cat "$OUT/haproxy.requests") requests), $OUT/proxy.collapsed ($n requests)"
fi
