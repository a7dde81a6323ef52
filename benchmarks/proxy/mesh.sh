# Shared by the soak and idle-connection scripts (sourced): lib.sh's upstream and control plane, and a
# bowline-proxy with an outbound listener routed by that control plane. Sets TMP, PIDS, BOW_PID; cleans up on
# exit. needs: ROOT; ports UP, BOW, XDS, ADMIN; PROXY_JVM_OPTS (optional)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh" "$@"

start_mesh() {
  start_upstream "$UP"
  start_control_plane "$UP" "$XDS"
  # shellcheck disable=SC2086
  java ${PROXY_JVM_OPTS:-} -jar "$PROXY_JAR" --xds "127.0.0.1:$XDS" --workload bench.default --outbound "$BOW" \
    --admin "$ADMIN" --threads 1 >"$TMP/proxy.log" 2>&1 & BOW_PID=$!; PIDS+=($BOW_PID)
  await_echo "$BOW" && return 0
  echo "$0: no route through bowline-proxy: $through" >&2
  cat "$TMP/proxy.log" >&2
  exit 3
}

rss_mb() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
# heap in use right after a full GC, in MB (jcmd and jstat from the JDK)
heap_after_gc_mb() {
  jcmd "$1" GC.run >/dev/null
  jstat -gc "$1" | awk 'NR == 2 { printf "%.1f", ($3 + $4 + $6 + $8) / 1024 }'
}
