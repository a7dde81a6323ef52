#!/bin/sh
# P1's telemetry clients (P1TelemetryProfile: each client on a thread of its own, random turns) under async-profiler,
# one JVM, the agent loaded into the JVM after the warm-up; then the samples of two clients' calling threads side by
# side (telemetry-stacks.py). Fetches async-profiler 3.0 from Maven Central into ~/.m2 and unpacks it (not committed).
#   JAR=benchmarks/target/benchmarks.jar EVENT=event=ctimer,interval=100us OUT=/tmp/p1prof benchmarks/p1/telemetry-profile.sh [java opts]
# EVENT: event=ctimer,interval=100us (timer signals, no perf_events: the calls' own costs undistorted), or
# event=cpu,interval=200us (perf_events, kernel frames: on this 2-core VM it doubles the caller's CPU per call, the
# context switches of a thread with a perf event being dear), or event=alloc,alloc=128,total (bytes by site).
# Every run under flock /tmp/bench.lock (the machine's rule).
set -e
JAR=${JAR:-benchmarks/target/benchmarks.jar}
EVENT=${EVENT:-event=ctimer,interval=100us}
OUT=${OUT:-/tmp/p1prof}
AP=${AP:-/tmp/ap}
if [ ! -f "$AP/linux-x64/libasyncProfiler.so" ]; then
  mvn -q dependency:get -Dartifact=tools.profiler:async-profiler:3.0:jar:linux-x64
  mkdir -p "$AP" && unzip -oq ~/.m2/repository/tools/profiler/async-profiler/3.0/async-profiler-3.0-linux-x64.jar -d "$AP"
fi
mkdir -p "$OUT"
tag=$(echo "$EVENT" | cut -d, -f1 | cut -d= -f2)
flock /tmp/bench.lock java -Djdk.attach.allowAttachSelf=true -Dprofile.lib="$AP/linux-x64/libasyncProfiler.so" \
  -Dprofile.start="start,$EVENT,threads" -Dprofile.stop="stop,file=$OUT/$tag.collapsed,collapsed" "$@" \
  -cp "$JAR" io.bowline.benchmarks.P1TelemetryProfile "${WARM:-60}" "${SECS:-40}" 2>&1 | grep -v INFO | tee "$OUT/$tag.log"
/usr/bin/python3 "$(dirname "$0")/telemetry-stacks.py" "$OUT/$tag.collapsed"
