# Shared by the proxy benchmark scripts (sourced, after ROOT is set): tool and jar checks, a temporary
# directory and the processes to stop on exit, free loopback ports, the tiny upstream (an HAProxy that
# answers 200 "ok" itself), and the local control plane serving service "echo" on that upstream.
# Sets PROXY_JAR (unless set), CP_JAR, TMP, PIDS, PROXY_JVM_OPTS (unless set) and ARENAS.
#
# usage: . lib.sh TOOL...      (checks haproxy java curl python3 and each TOOL)
PROXY_JAR=${PROXY_JAR:-$ROOT/mesh-proxy/target/bowline-proxy.jar}
CP_JAR=${CP_JAR:-$ROOT/mesh-control-plane/target/bowline-control-plane.jar}
NAME=$(basename "$0" .sh)
for tool in haproxy java curl python3 "$@"; do
  command -v "$tool" >/dev/null || { echo "$NAME: $tool is not installed (Debian: apt-get install wrk haproxy python3)" >&2; exit 3; }
done
for jar in "$PROXY_JAR" "$CP_JAR" ${BASE_JAR:+"$BASE_JAR"}; do
  [ -f "$jar" ] || { echo "$NAME: $jar is missing: run mvn -B -o package -DskipTests first" >&2; exit 3; }
done
# PROXY_JVM_OPTS: the launcher flags of docs/proxy.md ("Launching"), for one core: the JIT's two tiers (C1, then C2 for
# what stays hot: with a warm-up of 30 s, DUR=30), a small serial heap with a 2 MB young generation, no
# leak-detection sampling, one allocator arena of 1 MiB chunks, no JFR events, two malloc arenas, freed
# malloc memory trimmed every 5 s, an old generation sized to its live set plus 10 to 20 %
PROXY_JVM_OPTS=${PROXY_JVM_OPTS:--XX:ActiveProcessorCount=1 -XX:CICompilerCount=2 \
  -XX:+UseSerialGC -Xms8m -Xmx32m -Xmn2m -Xss256k -XX:TrimNativeHeapInterval=5000 \
  -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 \
  -XX:ReservedCodeCacheSize=32m -XX:MaxMetaspaceSize=64m -XX:MaxDirectMemorySize=16m \
  -Dio.netty.leakDetection.level=disabled -Dio.netty.allocator.type=pooled \
  -Dio.netty.allocator.numDirectArenas=1 -Dio.netty.allocator.numHeapArenas=1 \
  -Dio.netty.allocator.maxOrder=7 -Dio.netty.jfr.enabled=false}
ARENAS=${MALLOC_ARENA_MAX:-2}
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT

# free_ports N: N distinct loopback TCP ports free now, space-separated (held open together while picked,
# so they differ); a run that starts later picks others, so two runs on one machine do not collide
free_ports() {
  /usr/bin/python3 -c '
import socket, sys
held = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    held.append(s)
print(" ".join(str(s.getsockname()[1]) for s in held))' "$1"
}

# start_upstream PORT [CORE]: the HAProxy that answers 200 "ok" on PORT (pinned to CORE when given)
start_upstream() {
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
  bind 127.0.0.1:$1
  http-request return status 200 content-type text/plain string ok
CFG
  ${2:+taskset -c "$2"} haproxy -db -f "$TMP/upstream.cfg" >/dev/null 2>&1 & PIDS+=($!)
}

# GATEWAY_YAML: the gateway role's resources (a Gateway on port 8080 for workloads labelled istio=ingressgateway,
# and a VirtualService bound to it routing to echo), for start_control_plane's EXTRA-YAML
GATEWAY_YAML=$(cat <<'YAML'
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bench-gateway, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo-front-door, namespace: default}
spec:
  hosts: ["*"]
  gateways: [bench-gateway]
  http: [{route: [{destination: {host: echo.default.svc.cluster.local, port: {number: 80}}}]}]
YAML
)

# start_control_plane UPSTREAM-PORT XDS-PORT [CORE] [EXTRA-YAML]: the local control plane on XDS-PORT, serving
# ServiceEntry echo.default.svc.cluster.local:80 on the upstream (and EXTRA-YAML's resources, if given)
start_control_plane() {
  mkdir -p "$TMP/mesh"
  cat > "$TMP/mesh/echo.yaml" <<CFG
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: echo, namespace: default}
spec:
  hosts: [echo.default.svc.cluster.local]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 127.0.0.1, ports: {http: $1}}]
CFG
  [ -z "${4:-}" ] || printf -- '---\n%s\n' "$4" >> "$TMP/mesh/echo.yaml"
  ${3:+taskset -c "$3"} java -Xmx128m -jar "$CP_JAR" serve --config "$TMP/mesh" --port "$2" >"$TMP/cp.log" 2>&1 &
  PIDS+=($!)
}

# jit_ticks PID: CPU ticks (user and system) of the process's JIT compiler threads so far (0 for HAProxy)
jit_ticks() {
  cat /proc/"$1"/task/*/stat 2>/dev/null | awk '/\((C1|C2) CompilerThre/ { t += $(NF - 38) + $(NF - 37) } END { print t + 0 }'
}

# haproxy_config FILE LISTEN_PORT UPSTREAM_PORT: the HAProxy P4 compares against, one thread, HTTP keep-alive both
# ways, one backend server
haproxy_config() {
  cat > "$1" <<CFG
global
  nbthread 1
defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout client 30s
  timeout connect 5s
  timeout server 30s
frontend hop
  bind 127.0.0.1:$2
  default_backend echo
backend echo
  server s1 127.0.0.1:$3
CFG
}

# await_echo PORT: until a request with Host echo through PORT answers "ok" (at most 30 s); 1 if it never does
await_echo() {
  for _ in $(seq 1 150); do
    through=$(curl -s -i --noproxy '*' -H "Host: echo" "http://127.0.0.1:$1/" 2>&1 || true)
    [[ $through == *$'\r\n\r\nok' ]] && return 0
    sleep 0.2
  done
  return 1
}
