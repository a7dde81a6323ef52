#!/usr/bin/env bash
# rss.sh: where one outbound bowline-proxy's memory goes at about 1,000 requests/s, with the launcher's flags
# (PROXY_JVM_OPTS of lib.sh) plus native memory tracking and class logging. The proxy is pinned to core 0, wrk,
# the upstream and the local control plane to core 1. After WARM s at 64 connections and RATE s at about 1,000
# requests/s (4 connections, 4 ms apart), it prints one line: RSS at the end, RSS sampled once a second through the
# rate run (min/mean/max: one reading moves by several MB with C2's freed malloc arenas), private anonymous memory,
# CPU µs per request in both runs, young and full collections in each run, classes loaded and unloaded, threads and
# the load average; a second line with NMT's committed MB by category and the heap's capacity and use; and keeps
# NMT's summary, `VM.metaspace`, the class histogram after a full collection, -Xlog:class+load/unload, smaps and the
# proxy's log in OUT.
#
# usage: benchmarks/proxy/rss.sh LABEL [JVM flags...]   (after `mvn -B -o package -DskipTests`)
# env:   PROXY_JAR=... (the build to measure)  WARM=15  RATE=15  OUT=/tmp/rss-LABEL  PROXY_ENV="NAME=VALUE ..."
#        (environment of the proxy only, e.g. GLIBC_TUNABLES)  HEAPDUMP=1 (also a heap dump, OUT/heap.hprof)
#        NMT=off (no native memory tracking: its own 0.5 to 2.4 MB, which grows with the malloc'd metadata, stay out of
#        RSS; compare RSS across variants that move metadata out of malloc, such as a CDS archive, with NMT=off)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LABEL=${1:?usage: rss.sh LABEL [JVM flags...]}; shift
WARM=${WARM:-15}; RATE=${RATE:-15}
OUT=${OUT:-/tmp/rss-$LABEL}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" wrk taskset jcmd
rm -rf "$OUT"; mkdir -p "$OUT"
read -r UP BOW XDS ADMIN <<<"$(free_ports 4)"
cat > "$TMP/rate.lua" <<'LUA'
-- about 250 requests/s per connection: 4 connections give about 1,000 requests/s
function delay() return 4 end
LUA
start_upstream "$UP" 1
start_control_plane "$UP" "$XDS" 1
# shellcheck disable=SC2086
NMT_FLAG=-XX:NativeMemoryTracking=summary; [ "${NMT:-}" != off ] || NMT_FLAG=-XX:NativeMemoryTracking=off
env MALLOC_ARENA_MAX="$ARENAS" ${PROXY_ENV:-} taskset -c 0 java $PROXY_JVM_OPTS $NMT_FLAG \
  -Xlog:class+load:file="$OUT/classes.txt" -Xlog:class+unload:file="$OUT/unloaded.txt" "$@" -jar "$PROXY_JAR" \
  --xds 127.0.0.1:$XDS --workload bench.default --outbound "$BOW" --admin "$ADMIN" --threads 1 >"$OUT/proxy.log" 2>&1 &
PID=$!; PIDS+=($PID)
for _ in $(seq 1 300); do curl -fs --noproxy "*" "http://127.0.0.1:$ADMIN/ready" >/dev/null 2>&1 && break; sleep 0.2; done
await_echo "$BOW" || { echo "rss: no route through bowline-proxy: $through" >&2; cat "$OUT/proxy.log" >&2; exit 3; }
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
# gcs: "young full old-KB" collections so far and the old generation's use (jstat's YGC, FGC and OU)
gcs() { jstat -gc "$PID" | awk 'NR == 2 { for (i = 1; i <= NF; i++) v[h[i]] = $i } NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i }
  END { printf "%d %d %d %s\n", v["YGC"], v["FGC"], v["OU"], v["FGCT"] }'; }
# promoted KB per 1,000 requests between two readings of the old generation (meaningless across a full collection)
promoted() { awk -v a="$1" -v b="$2" -v n="$(awk '/requests in/ {print $1}' "$3")" 'BEGIN { printf "%.1f", (b - a) * 1000 / n }'; }
us_per_request() { awk -v t="$1" -v c="$(getconf CLK_TCK)" -v n="$(awk '/requests in/ {print $1}' "$2")" 'BEGIN { printf "%.1f", t / c * 1e6 / n }'; }
t0=$(ticks); read -r y0 f0 o0 <<<"$(gcs)"
taskset -c 1 wrk -t1 -c64 -d"${WARM}s" -H "Host: echo" "http://127.0.0.1:$BOW/" >"$OUT/warm.txt" 2>&1
t1=$(ticks); read -r y1 f1 o1 <<<"$(gcs)"
taskset -c 1 wrk -t1 -c4 -d"${RATE}s" -s "$TMP/rate.lua" -H "Host: echo" "http://127.0.0.1:$BOW/" >"$OUT/rate.txt" 2>&1 &
WRK=$!
: >"$OUT/rss-samples.txt"
for _ in $(seq 1 $((RATE - 1))); do
  sleep 1
  awk '/VmRSS/ {printf "%.1f\n", $2 / 1024}' "/proc/$PID/status" >>"$OUT/rss-samples.txt"
done
wait $WRK
t2=$(ticks); read -r y2 f2 o2 ft <<<"$(gcs)"
jcmd $PID GC.heap_info >"$OUT/heap.txt"
RSS=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$PID/status")
ANON=$(awk '/RssAnon/ {printf "%.1f", $2 / 1024}' "/proc/$PID/status")
cp "/proc/$PID/smaps" "$OUT/smaps.txt"
jcmd $PID VM.native_memory summary >"$OUT/nmt.txt" || true
jcmd $PID VM.metaspace >"$OUT/metaspace.txt"
jcmd $PID GC.class_histogram >"$OUT/histogram.txt"
[ -z "${HEAPDUMP:-}" ] || jcmd $PID GC.heap_dump "$OUT/heap.hprof" >/dev/null
SAMPLES=$(awk '{ s += $1; if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1 } END { printf "%.1f/%.1f/%.1f", lo, s / NR, hi }' "$OUT/rss-samples.txt")
echo "$LABEL: RSS ${RSS} MB (samples min/mean/max $SAMPLES), private anon $ANON MB;" \
  "$(awk '/Requests\/sec/ {print $2}' "$OUT/rate.txt") requests/s; CPU µs/request $(us_per_request $((t1 - t0)) "$OUT/warm.txt")" \
  "at 64 connections, $(us_per_request $((t2 - t1)) "$OUT/rate.txt") at the rate; classes loaded $(grep -c 'class,load' "$OUT/classes.txt")," \
  "unloaded $(grep -c 'class,unload' "$OUT/unloaded.txt"); collections young/full $((y1 - y0))/$((f1 - f0)) at 64 connections," \
  "$((y2 - y1))/$((f2 - f1)) at the rate, promoted KB per 1,000 requests $(promoted "$o0" "$o1" "$OUT/warm.txt")" \
  "and $(promoted "$o1" "$o2" "$OUT/rate.txt"), $f2 full since the start at $(awk -v t="$ft" -v n="$f2" 'BEGIN { printf "%.0f", n ? t * 1000 / n : 0 }') ms each; threads $(ls "/proc/$PID/task" | wc -l); load $(cut -d' ' -f1 /proc/loadavg)" \
  | tee "$OUT/summary.txt"
# NMT's committed MB by category (the summary's "-  Name (reserved=..KB, committed=..KB)" lines), and the heap
awk '/^-/ && /committed=/ { name = $0; sub(/^- */, "", name); sub(/ *\(.*/, "", name); gsub(/ /, "_", name)
  c = $0; sub(/.*committed=/, "", c); sub(/KB.*/, "", c); if (c + 0 >= 50) { line = line sprintf("%s%s %.1f", sep, name, c / 1024); sep = ", " } }
  END { print line == "" ? "  NMT: off" : "  NMT committed MB: " line }' "$OUT/nmt.txt" | tee -a "$OUT/summary.txt"
sed -n -E 's/^ *(def new generation|tenured generation) +total ([0-9]+K), used ([0-9]+K).*/\1 \2 (used \3)/p' "$OUT/heap.txt" \
  | paste -sd';' | sed 's/^/  heap: /' | tee -a "$OUT/summary.txt"
