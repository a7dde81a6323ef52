#!/usr/bin/env bash
# Bytes the proxy's event loop allocates per request (load-independent, unlike CPU time): one or two
# builds of bowline-proxy.jar, outbound role, in front of a tiny HAProxy upstream that answers 200 "ok",
# driven by wrk; JFR's per-thread allocation counters (jdk.ThreadAllocationStatistics, read at two
# dumps around a measured wrk run after a warm-up) divided by the requests wrk completed.
#
# usage: benchmarks/proxy/alloc.sh        (after `mvn -B -o package -DskipTests`)
# env:   DUR=10  CONNS=64  PROXY_JAR=...  BASE_JAR=... (a second build, measured in the same run)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PROXY_JAR=${PROXY_JAR:-$ROOT/mesh-proxy/target/bowline-proxy.jar}
CP_JAR=$ROOT/mesh-control-plane/target/bowline-control-plane.jar
DUR=${DUR:-10}
CONNS=${CONNS:-64}
BASE_JAR=${BASE_JAR:-}
UP=18180 XDS=18110
for tool in wrk haproxy java jfr jcmd curl; do
  command -v $tool >/dev/null || { echo "alloc: $tool is not installed" >&2; exit 3; }
done
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT
cat > "$TMP/upstream.cfg" <<CFG
global
  nbthread 1
defaults
  mode http
  timeout client 30s
  timeout connect 5s
  timeout server 30s
frontend upstream
  bind 127.0.0.1:$UP
  http-request return status 200 content-type text/plain string ok
CFG
mkdir "$TMP/mesh"
cat > "$TMP/mesh/echo.yaml" <<CFG
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: echo, namespace: default}
spec:
  hosts: [echo.default.svc.cluster.local]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 127.0.0.1, ports: {http: $UP}}]
CFG
haproxy -db -f "$TMP/upstream.cfg" >/dev/null 2>&1 & PIDS+=($!)
java -Xmx128m -jar "$CP_JAR" serve --config "$TMP/mesh" --port $XDS >"$TMP/cp.log" 2>&1 & PIDS+=($!)
OPTS="-XX:ActiveProcessorCount=1 -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m -Dio.netty.jfr.enabled=false -Dio.netty.leakDetection.level=disabled"

measure() { # name jar port admin
  # shellcheck disable=SC2086
  java $OPTS -XX:StartFlightRecording=name=alloc -jar "$2" --xds 127.0.0.1:$XDS --workload "alloc$1.default" \
    --outbound "$3" --admin "$4" --threads 1 >"$TMP/$1.log" 2>&1 & local pid=$!; PIDS+=($pid)
  for _ in $(seq 1 300); do
    [[ $(curl -s --noproxy '*' -H "Host: echo" "http://127.0.0.1:$3/" 2>/dev/null || true) == ok ]] && break
    sleep 0.2
  done
  wrk -t1 -c"$CONNS" -d"${DUR}s" -H "Host: echo" "http://127.0.0.1:$3/" >/dev/null
  jcmd "$pid" JFR.dump name=alloc filename="$TMP/$1-a.jfr" >/dev/null
  n=$(wrk -t1 -c"$CONNS" -d"${DUR}s" -H "Host: echo" "http://127.0.0.1:$3/" | awk '/requests in/ {print $1}')
  jcmd "$pid" JFR.dump name=alloc filename="$TMP/$1-b.jfr" >/dev/null
  a=$(loop_bytes "$TMP/$1-a.jfr")
  b=$(loop_bytes "$TMP/$1-b.jfr")
  kill "$pid"
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
measure this "$PROXY_JAR" 18182 18102
[ -n "$BASE_JAR" ] && measure base "$BASE_JAR" 18184 18104
exit 0
