#!/usr/bin/env bash
# Soak: bowline-proxy at a steady request rate for DUR seconds (default 10 minutes), the heap in use
# after a full GC sampled every SAMPLE seconds; prints the samples, the requests, and the failed
# ones (non-2xx and socket errors, from wrk). A flat heap after GC and no failures pass.
#
# usage: benchmarks/proxy/soak.sh      (after `mvn -B -o package -DskipTests`)
# env:   DUR=600  SAMPLE=60  CONNS=8 (each about 250 requests/s: 8 give about 2,000 requests/s)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DUR=${DUR:-600}
SAMPLE=${SAMPLE:-60}
CONNS=${CONNS:-8}
PROXY_JVM_OPTS=${PROXY_JVM_OPTS:--Xmx128m -XX:+UseSerialGC}
# shellcheck source=mesh.sh
. "$(dirname "$0")/mesh.sh" wrk jcmd jstat
read -r P1 P2 P3 P4 <<<"$(free_ports 4)"
UP=${UP:-$P1} BOW=${BOW:-$P2} XDS=${XDS:-$P3} ADMIN=${ADMIN:-$P4}
start_mesh
cat > "$TMP/rate.lua" <<'LUA'
-- about 250 requests/s per connection
function delay() return 4 end
LUA
echo "soak: $DUR s at about $((CONNS * 250)) requests/s; heap after GC every $SAMPLE s" >&2
wrk -t1 -c"$CONNS" -d"${DUR}s" -s "$TMP/rate.lua" -H "Host: echo" "http://127.0.0.1:$BOW/" >"$TMP/wrk.out" 2>&1 &
WRK=$!
PIDS+=($WRK)
t=0
echo "| t (s) | heap after GC (MB) | RSS (MB) |"
echo "|---|---|---|"
while kill -0 $WRK 2>/dev/null; do
  echo "| $t | $(heap_after_gc_mb "$BOW_PID") | $(rss_mb "$BOW_PID") |"
  sleep "$SAMPLE"
  t=$((t + SAMPLE))
done
wait $WRK || true
echo "| end | $(heap_after_gc_mb "$BOW_PID") | $(rss_mb "$BOW_PID") |"
echo
grep -E "requests in|Requests/sec|Non-2xx|Socket errors" "$TMP/wrk.out" || true
! grep -qE "Non-2xx|Socket errors" "$TMP/wrk.out"
