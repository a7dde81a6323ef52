# Shared by the proxy scripts (sourced): a tiny upstream (an HAProxy answering 200 "ok" itself), the
# local control plane serving service "echo" on it, and a bowline-proxy with an outbound listener
# routed by that control plane. Sets TMP, PIDS, BOW_PID; cleans up on exit.
# needs: ROOT; ports UP, BOW, XDS, ADMIN; PROXY_JVM_OPTS (optional)
PROXY_JAR=$ROOT/mesh-proxy/target/bowline-proxy.jar
CP_JAR=$ROOT/mesh-control-plane/target/bowline-control-plane.jar
for tool in haproxy java curl "$@"; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is not installed (Debian: apt-get install wrk haproxy python3)" >&2; exit 3; }
done
for jar in "$PROXY_JAR" "$CP_JAR"; do
  [ -f "$jar" ] || { echo "$0: $jar is missing: run mvn -B -o package -DskipTests first" >&2; exit 3; }
done
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT

start_mesh() {
  cat > "$TMP/upstream.cfg" <<CFG
global
  nbthread 1
  maxconn 4000
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
  java -Xmx128m -jar "$CP_JAR" serve --config "$TMP/mesh" --port "$XDS" >"$TMP/cp.log" 2>&1 & PIDS+=($!)
  # shellcheck disable=SC2086
  java ${PROXY_JVM_OPTS:-} -jar "$PROXY_JAR" --xds "127.0.0.1:$XDS" --workload bench.default --outbound "$BOW" \
    --admin "$ADMIN" --threads 1 >"$TMP/proxy.log" 2>&1 & BOW_PID=$!; PIDS+=($BOW_PID)
  for _ in $(seq 1 150); do
    through=$(curl -s -i --noproxy '*' -H "Host: echo" "http://127.0.0.1:$BOW/" 2>&1 || true)
    [[ $through == *$'\r\n\r\nok' ]] && return 0
    sleep 0.2
  done
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
