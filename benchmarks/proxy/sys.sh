#!/usr/bin/env bash
# System calls per request, by kind, of HAProxy and of bowline-proxy's two roles (and a second build's, BASE_JAR)
# in front of the same tiny upstream: `perf stat -e 'syscalls:sys_enter_*'` on each proxy process over one
# saturating wrk run, divided by the requests wrk completed. Counts, not rates: a loaded machine does not move
# them much (a busier event loop reads more requests per wake-up, so epoll_wait per request falls with the load:
# compare builds in the same run). Also the process's context switches per request.
#
# usage: benchmarks/proxy/sys.sh        (after `mvn -B -o package -DskipTests`; needs perf and the syscalls tracepoints)
# env:   WARM=20 (s of saturating load before each measured run: C2)  DUR=10  CONNS=64  CORE_PROXY=0  CORE_LOAD=1
#        PROXY_JAR=...  BASE_JAR=... (a second build, measured in the same run)  ROLES="outbound gateway"
#        MIN=0.01 (kinds below this many calls per request are left out)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WARM=${WARM:-20}; DUR=${DUR:-10}; CONNS=${CONNS:-64}; MIN=${MIN:-0.01}
CORE_PROXY=${CORE_PROXY:-0}; CORE_LOAD=${CORE_LOAD:-1}
ROLES=${ROLES:-outbound gateway}
BASE_JAR=${BASE_JAR:-}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" wrk taskset perf
read -r UP XDS HAP <<<"$(free_ports 3)"
start_upstream "$UP" "$CORE_LOAD"
start_control_plane "$UP" "$XDS" "$CORE_LOAD" "$GATEWAY_YAML"
haproxy_config "$TMP/haproxy.cfg" "$HAP" "$UP"
taskset -c "$CORE_PROXY" haproxy -db -f "$TMP/haproxy.cfg" >/dev/null 2>&1 & HAP_PID=$!; PIDS+=($HAP_PID)
await_echo "$HAP" || { echo "sys: no answer through HAProxy" >&2; exit 3; }

start() { # name jar role: sets PID and PORT
  local args
  read -r PORT admin <<<"$(free_ports 2)"
  if [ "$3" = gateway ]; then
    args="--gateway --workload istio-ingressgateway-$1.istio-system --label istio=ingressgateway --gateway-port 8080:$PORT"
  else
    args="--workload sys-$1.default --outbound $PORT"
  fi
  # shellcheck disable=SC2086
  MALLOC_ARENA_MAX=$ARENAS taskset -c "$CORE_PROXY" java $PROXY_JVM_OPTS -jar "$2" --xds 127.0.0.1:$XDS $args \
    --admin "$admin" --threads 1 >"$TMP/$1.log" 2>&1 &
  PID=$!; PIDS+=($PID)
  await_echo "$PORT" || await_echo "$PORT" || { echo "sys: no route through $1" >&2; cat "$TMP/$1.log" >&2; exit 3; }
}

load() { taskset -c "$CORE_LOAD" wrk -t1 -c"$CONNS" -d"$1s" -H "Host: echo" "http://127.0.0.1:$2/" 2>&1; }
measure() { # name pid port
  load "$WARM" "$3" >/dev/null
  perf stat -x, -e 'syscalls:sys_enter_*' -e context-switches -p "$2" -o "$TMP/$1.perf" -- sleep "$((DUR + 1))" &
  local perf_pid=$!
  sleep 0.5
  local n
  n=$(load "$DUR" "$3" | awk '/requests in/ {print $1}')
  wait "$perf_pid" || true
  awk -F, -v n="$n" -v name="$1" -v min="$MIN" -v l="$(cut -d' ' -f1 /proc/loadavg)" '
    $1 ~ /^[0-9]+$/ && $1 > 0 { k = $3; sub(/^syscalls:sys_enter_/, "", k); per = $1 / n
      if (k != "context-switches") all += per
      if (per >= min) row = row sprintf("%s %.3f, ", k, per) }
    END { printf "| %s | %d | %.3f | %s | %s |\n", name, n, all, row, l }' "$TMP/$1.perf"
}

echo "sys: ${DUR} s measured after ${WARM} s of load, $CONNS connections; per request"
echo "| proxy | requests | syscalls | by kind (and context switches) | load avg 1 min |"
echo "|---|---|---|---|---|"
measure haproxy "$HAP_PID" "$HAP"
for role in $ROLES; do
  start "$role" "$PROXY_JAR" "$role"; measure "$role" "$PID" "$PORT"; kill "$PID"
  if [ -n "$BASE_JAR" ]; then
    start "base-$role" "$BASE_JAR" "$role"; measure "base-$role" "$PID" "$PORT"; kill "$PID"
  fi
done
