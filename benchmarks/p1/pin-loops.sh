#!/bin/bash
# Runs P1MtlsInterleaved's gRPC rows with the calling thread and the client event loop threads pinned to CPUs, to see
# how much of the mesh row is where those threads run (docs/benchmarks.md, tenth round, grpc10).
# usage: benchmarks/p1/pin-loops.sh JAR PLACEMENT [ROUNDS]
#   PLACEMENT: C/D/M, the CPU of the calling thread, of the direct clients' loop (grpc-nio-worker) and of the
#   mesh's loop (bowline-grpc; "-" for a build whose mesh channels run on grpc-java's loops, as grpc10 tried), e.g. 0/0/1;
#   "none" pins nothing. Hold /tmp/bench.lock around it. Prints the P1 table.
set -euo pipefail
jar=$1; placement=$2; rounds=${3:-60}
java -Dp1.facts=true -cp "$jar" io.bowline.benchmarks.P1MtlsInterleaved "$rounds" gRPC &
jp=$!
busiest() { # the thread of $jp whose name starts with $1 that used the most CPU so far
  local best= most=-1 d t
  for d in /proc/$jp/task/*; do
    case $(cat "$d/comm" 2>/dev/null) in
      "$1"*) t=$(awk '{print $14 + $15}' "$d/stat"); if [ "$t" -gt "$most" ]; then most=$t; best=${d##*/}; fi;;
    esac
  done
  echo "$best"
}
if [ "$placement" != none ]; then
  IFS=/ read -r cpu_caller cpu_direct cpu_mesh <<< "$placement"
  # after the fixture's first calls every loop thread exists; the warm-up goes on for 15 s or more
  for _ in $(seq 1 120); do [ -n "$(busiest grpc-nio-worker)" ] && break; sleep 0.5; done
  sleep 4
  caller=$(busiest java); direct=$(busiest grpc-nio-worker)
  taskset -p -c "$cpu_caller" "$caller" >&2
  taskset -p -c "$cpu_direct" "$direct" >&2
  if [ "$cpu_mesh" != - ]; then
    mesh=$(busiest bowline-grpc)
    [ -n "$mesh" ] && taskset -p -c "$cpu_mesh" "$mesh" >&2
  fi
fi
wait $jp
