#!/usr/bin/env bash
# Bytes the proxy's event loop allocates per request (load-independent, unlike CPU time): one or two
# builds of bowline-proxy.jar, one role (ROLE=outbound, or gateway; ROLE="outbound gateway" measures both), in front of a tiny HAProxy upstream that answers 200 "ok",
# driven by wrk; JFR's per-thread allocation counters (jdk.ThreadAllocationStatistics, read at two
# dumps around a measured wrk run after a warm-up) divided by the requests wrk completed.
#
# usage: benchmarks/proxy/alloc.sh        (after `mvn -B -o package -DskipTests`)
# env:   DUR=10  CONNS=64  ROLE=outbound  PROXY_JAR=...  BASE_JAR=... (a second build, measured in the same run)
#        PROXY_JVM_OPTS=... (default: the launcher's flags, lib.sh, as p4.sh runs the proxy: C1 then C2; the
#        warm-up run lasts DUR, so DUR=30 measures what C2 compiled)
#        UP XDS BOW ADMIN BASE_BOW BASE_ADMIN (loopback ports; free ones are picked at start)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DUR=${DUR:-10}
CONNS=${CONNS:-64}
BASE_JAR=${BASE_JAR:-}
ROLE=${ROLE:-outbound}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" wrk jfr jcmd
read -r P1 P2 P3 P4 P5 P6 <<<"$(free_ports 6)"
UP=${UP:-$P1} XDS=${XDS:-$P2} BOW=${BOW:-$P3} ADMIN=${ADMIN:-$P4} BASE_BOW=${BASE_BOW:-$P5} BASE_ADMIN=${BASE_ADMIN:-$P6}
start_upstream "$UP"
start_control_plane "$UP" "$XDS" "" "$GATEWAY_YAML"

measure() { # name jar port admin role
  local args="--workload alloc-$1.default --outbound $3"
  [ "$5" = gateway ] && args="--gateway --workload istio-ingressgateway-$1.istio-system --label istio=ingressgateway --gateway-port 8080:$3"
  # shellcheck disable=SC2086
  MALLOC_ARENA_MAX=$ARENAS java $PROXY_JVM_OPTS -XX:StartFlightRecording=name=alloc -jar "$2" --xds 127.0.0.1:$XDS $args \
    --admin "$4" --threads 1 >"$TMP/$1.log" 2>&1 & local pid=$!; PIDS+=($pid)
  await_echo "$3" || await_echo "$3" || { echo "alloc: no route through $1" >&2; cat "$TMP/$1.log" >&2; exit 3; }
  wrk -t1 -c"$CONNS" -d"${DUR}s" -H "Host: echo" "http://127.0.0.1:$3/" >/dev/null
  jcmd "$pid" JFR.dump name=alloc filename="$TMP/$1-a.jfr" >/dev/null
  n=$(wrk -t1 -c"$CONNS" -d"${DUR}s" -H "Host: echo" "http://127.0.0.1:$3/" | awk '/requests in/ {print $1}')
  jcmd "$pid" JFR.dump name=alloc filename="$TMP/$1-b.jfr" >/dev/null
  a=$(loop_bytes "$TMP/$1-a.jfr")
  b=$(loop_bytes "$TMP/$1-b.jfr")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -v a="$a" -v b="$b" -v n="$n" -v name="$1" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { printf "| %s | %d | %.0f | %s |\n", name, n, (b - a) / n, l }'
}
# the largest allocation counter of the proxy's event-loop threads (bowline-proxy-N) in a recording
loop_bytes() {
  jfr print --json --events jdk.ThreadAllocationStatistics "$1" | /usr/bin/python3 -c '
import json, sys
events = json.load(sys.stdin)["recording"]["events"]
print(max([e["values"]["allocated"] for e in events
           if (e["values"].get("thread") or {}).get("javaName", "").startswith("bowline-proxy-")] or [0]))'
}
echo "| build | requests measured | B/request (event loop) | load avg 1 min |"
echo "|---|---|---|---|"
for role in $ROLE; do
  measure "$role" "$PROXY_JAR" "$BOW" "$ADMIN" "$role"
  [ -z "$BASE_JAR" ] || measure "base-$role" "$BASE_JAR" "$BASE_BOW" "$BASE_ADMIN" "$role"
done
exit 0
