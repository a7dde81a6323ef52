#!/usr/bin/env bash
# Prints the path of async-profiler 3.0's linux-x64 agent (libasyncProfiler.so), fetched from Maven Central
# (tools.profiler:async-profiler:3.0:jar:linux-x64) into ~/.m2 and unpacked under DIR (default /tmp/async-profiler-3.0)
# on first use. The binary is never committed.
set -euo pipefail
DIR=${DIR:-/tmp/async-profiler-3.0}
SO=$DIR/linux-x64/libasyncProfiler.so
if [ ! -f "$SO" ]; then
  JAR=$HOME/.m2/repository/tools/profiler/async-profiler/3.0/async-profiler-3.0-linux-x64.jar
  [ -f "$JAR" ] || mvn -B -q dependency:get -Dartifact=tools.profiler:async-profiler:3.0:jar:linux-x64 >&2
  mkdir -p "$DIR" && (cd "$DIR" && unzip -qo "$JAR" 'linux-x64/*')
fi
echo "$SO"
