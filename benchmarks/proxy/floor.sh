#!/usr/bin/env bash
# The RSS floor of a Netty HTTP/1.1 proxy on this JVM, for P4's RSS goal (issue 17): NettyFloor.java (this
# directory; ~50 lines: epoll, HttpServerCodec in, HttpClientCodec out, nothing else) compiled against the Netty and
# Micrometer jars the build pins, run with bowline-proxy's launcher flags (PROXY_JVM_OPTS, lib.sh), pinned to one core,
# in front of P4's upstream; three 15 s runs at 64 connections, then 15 s at about 1,000 requests/s (P4's rate run),
# after which its RSS is read as P4 reads bowline-proxy's. Prints the rates and RSS (total, anonymous, file pages),
# once bare and once with a Micrometer counter into a PrometheusMeterRegistry per response.
#
# usage: benchmarks/proxy/floor.sh      (after a Maven build has filled ~/.m2; run under the benchmark lock)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" wrk taskset javac
M2=${M2:-$HOME/.m2/repository}
version() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$ROOT/pom.xml" | head -1; }
NETTY=$(version netty.version) MICROMETER=$(version micrometer.version)
CP=""
for a in common buffer transport transport-classes-epoll transport-native-unix-common codec-base codec-http handler \
    resolver codec-compression; do
  CP="$CP:$M2/io/netty/netty-$a/$NETTY/netty-$a-$NETTY.jar"
done
CP="$CP:$M2/io/netty/netty-transport-native-epoll/$NETTY/netty-transport-native-epoll-$NETTY-linux-x86_64.jar"
for a in micrometer-core micrometer-commons micrometer-observation micrometer-registry-prometheus; do
  CP="$CP:$M2/io/micrometer/$a/$MICROMETER/$a-$MICROMETER.jar"
done
# the Prometheus client and HdrHistogram: the newest of each in the local repository (Micrometer's own)
for d in "$M2"/io/prometheus/prometheus-metrics-{core,model,config,exposition-formats,exposition-textformats,tracer-common} \
    "$M2"/org/hdrhistogram/HdrHistogram; do
  v=$(ls "$d" | sort -V | tail -1)
  CP="$CP:$(ls "$d/$v"/*.jar | grep -v -- -sources | head -1)"
done
CP=${CP#:}
javac -d "$TMP/cls" -cp "$CP" "$(dirname "$0")/NettyFloor.java"
cat > "$TMP/rate.lua" <<'LUA'
function delay() return 4 end
LUA
read -r UP PORT <<<"$(free_ports 2)"
start_upstream "$UP" 1
for variant in bare metrics; do
  # shellcheck disable=SC2086
  MALLOC_ARENA_MAX=$ARENAS taskset -c 0 java $PROXY_JVM_OPTS -cp "$TMP/cls:$CP" NettyFloor "$PORT" "$UP" \
    "$variant" >"$TMP/$variant.log" 2>&1 & P=$!
  for _ in $(seq 1 100); do curl -fs -o /dev/null --noproxy "*" -H "Host: echo" "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
  echo "$variant:"
  for _ in 1 2 3; do taskset -c 1 wrk -t1 -c64 -d15s "http://127.0.0.1:$PORT/" | awk '/Requests\/sec/ {print "  64 connections: " $2 " requests/s"}'; done
  taskset -c 1 wrk -t1 -c4 -d15s -s "$TMP/rate.lua" "http://127.0.0.1:$PORT/" | awk '/Requests\/sec/ {print "  rate run: " $2 " requests/s"}'
  awk '/VmRSS|RssAnon|RssFile/ {printf "  %s %.1f MB\n", $1, $2 / 1024}' "/proc/$P/status"
  kill "$P"; wait "$P" 2>/dev/null || true
done
