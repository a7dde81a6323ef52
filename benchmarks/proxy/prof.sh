#!/usr/bin/env bash
# Where one bowline-proxy role spends its event loop's CPU and what it allocates, under a saturating load:
# JFR's execution samples (every 1 ms, with -XX:+DebugNonSafepoints so inlined frames are named) and
# allocation samples, recorded for DUR s after a WARM s warm-up, with the launcher's flags (PROXY_JVM_OPTS of
# lib.sh: C2; the recording starts with the JVM, as a JFR.start under load deoptimizes the request path, and
# only the window's events are counted). Prints the top frames by self and inclusive share of the event loop's samples, and the top
# allocation sites (first frame outside java.*/jdk.*, by sampled weight). Shares, not rates: load-robust.
#
# usage: benchmarks/proxy/prof.sh [JVM flags...]     (after `mvn -B -o package -DskipTests`)
# env:   PERF=1 (also perf record -e cpu-clock on the whole process: by thread and library, and the VM thread's
#        symbols, where a young collection's pause goes)  PROXY_JAR=...  ROLE=outbound|gateway  WARM=25  DUR=15  CONNS=64  TOP=30  OUT=/tmp/prof-ROLE (keeps the .jfr)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROLE=${ROLE:-outbound}; WARM=${WARM:-25}; DUR=${DUR:-15}; CONNS=${CONNS:-64}; TOP=${TOP:-30}
OUT=${OUT:-/tmp/prof-$ROLE}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" wrk taskset jfr jcmd
mkdir -p "$OUT"
read -r UP XDS PORT ADMIN <<<"$(free_ports 4)"
start_upstream "$UP" 1
start_control_plane "$UP" "$XDS" 1 "$GATEWAY_YAML"
cat > "$TMP/prof.jfc" <<'JFC'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0">
  <event name="jdk.ExecutionSample"><setting name="enabled">true</setting><setting name="period">1 ms</setting></event>
  <event name="jdk.ObjectAllocationSample"><setting name="enabled">true</setting><setting name="throttle">2000/s</setting><setting name="stackTrace">true</setting></event>
  <event name="jdk.GarbageCollection"><setting name="enabled">true</setting><setting name="threshold">0 ms</setting></event>
</configuration>
JFC
if [ "$ROLE" = gateway ]; then
  ROLE_ARGS="--gateway --workload istio-ingressgateway.istio-system --label istio=ingressgateway --gateway-port 8080:$PORT"
else
  ROLE_ARGS="--workload bench.default --outbound $PORT"
fi
# shellcheck disable=SC2086
MALLOC_ARENA_MAX=$ARENAS taskset -c 0 java $PROXY_JVM_OPTS -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
  -XX:StartFlightRecording=name=prof,settings="$TMP/prof.jfc" "$@" \
  -jar "$PROXY_JAR" --xds 127.0.0.1:$XDS $ROLE_ARGS --admin "$ADMIN" --threads 1 >"$OUT/proxy.log" 2>&1 &
PID=$!; PIDS+=($PID)
await_echo "$PORT" || await_echo "$PORT" || { echo "prof: no route" >&2; cat "$OUT/proxy.log" >&2; exit 3; }
taskset -c 1 wrk -t1 -c"$CONNS" -d"${WARM}s" -H "Host: echo" "http://127.0.0.1:$PORT/" >/dev/null
T0=$(date +%s.%N) # the recording runs from the JVM's start (a JFR.start now would deoptimize the request path); only later events count
if [ -n "${PERF:-}" ]; then # the whole process, the JVM's own threads (GC, JIT) included, by thread and symbol
  perf record -q -e cpu-clock -F 2000 -p "$PID" -o "$OUT/perf.data" -- sleep "$DUR" 2>/dev/null & PERF_PID=$!
fi
taskset -c 1 wrk -t1 -c"$CONNS" -d"${DUR}s" -H "Host: echo" "http://127.0.0.1:$PORT/" | awk '/requests in|Requests\/sec/'
jcmd "$PID" JFR.dump name=prof filename="$OUT/prof.jfr" >/dev/null
if [ -n "${PERF:-}" ]; then
  wait "$PERF_PID"
  perf report -i "$OUT/perf.data" --no-children --sort comm,dso --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -20
  perf report -i "$OUT/perf.data" --no-children --comm VM\ Thread --sort sym --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -25
fi
jfr print --json --stack-depth 96 --events jdk.ExecutionSample,jdk.ObjectAllocationSample,jdk.GarbageCollection "$OUT/prof.jfr" \
  >"$OUT/prof.json"
/usr/bin/python3 - "$OUT/prof.json" "$TOP" "$T0" <<'PY'
import collections, datetime, json, sys
top, t0 = int(sys.argv[2]), float(sys.argv[3])
events = [e for e in json.load(open(sys.argv[1]))["recording"]["events"]
          if datetime.datetime.fromisoformat(e["values"]["startTime"]).timestamp() >= t0]
def frames(e):
    st = e["values"].get("stackTrace") or {}
    return [(f["method"]["type"]["name"] + "." + f["method"]["name"]).replace("/", ".") for f in st.get("frames", [])]
def loop(e):
    return (e["values"].get("sampledThread") or e["values"].get("eventThread") or {}).get("javaName", "").startswith("bowline-proxy-")
samples = [frames(e) for e in events if e["type"] == "jdk.ExecutionSample" and loop(e)]
self_, incl = collections.Counter(), collections.Counter()
for fs in samples:
    if fs:
        self_[fs[0]] += 1
    for f in set(fs):
        incl[f] += 1
n = len(samples) or 1
print(f"\nevent loop: {len(samples)} execution samples")
print("\n| self % | frame |\n|---|---|")
for f, c in self_.most_common(top):
    print(f"| {100 * c / n:.1f} | `{f}` |")
ours = [(f, c) for f, c in incl.most_common() if f.startswith("io.bowline.")]
print("\n| inclusive % | io.bowline frame |\n|---|---|")
for f, c in ours[:top]:
    print(f"| {100 * c / n:.1f} | `{f}` |")
sites, total, first = collections.Counter(), 0, True
for e in events:
    if e["type"] != "jdk.ObjectAllocationSample" or not loop(e):
        continue
    if first:  # its weight counts everything the thread allocated before the recording
        first = False
        continue
    w = e["values"]["weight"]; total += w
    fs = frames(e)
    site = next((f for f in fs if not f.startswith(("java.", "jdk.", "sun."))), fs[0] if fs else "?")
    sites[(e["values"]["objectClass"]["name"], site)] += w
print(f"\n| alloc % | class | first non-JDK frame |\n|---|---|---|")
for (cls, site), w in sites.most_common(top):
    print(f"| {100 * w / (total or 1):.1f} | `{cls}` | `{site}` |")
gcs = [e for e in events if e["type"] == "jdk.GarbageCollection"]
pause = sum(float(str(e["values"]["sumOfPauses"]).strip("PTSs")) for e in gcs) if gcs else 0
print(f"\ncollections recorded: {len(gcs)}, pauses {pause * 1000:.0f} ms")
PY
