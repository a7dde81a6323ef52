#!/usr/bin/env bash
# 10,000 concurrent idle connections held by bowline-proxy's outbound listener: opens them (Python,
# standard library), holds them HOLD seconds, checks that none was closed and that a request still
# goes through meanwhile, and prints the proxy's RSS before and with the connections.
#
# usage: benchmarks/proxy/idle-connections.sh      (after `mvn -B -o package -DskipTests`)
# env:   N=10000  HOLD=30
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-10000}
HOLD=${HOLD:-30}
# every connection is a descriptor in the client and one in the proxy: raise the limit (hard limit permitting)
ulimit -n "$(ulimit -Hn)" || true
[ "$(ulimit -n)" -gt $((N + 1000)) ] || { echo "$0: ulimit -n is $(ulimit -n); $N connections need more (raise the hard limit)" >&2; exit 3; }
PROXY_JVM_OPTS=${PROXY_JVM_OPTS:--Xmx128m}
# shellcheck source=mesh.sh
. "$(dirname "$0")/mesh.sh" python3
read -r P1 P2 P3 P4 <<<"$(free_ports 4)"
UP=${UP:-$P1} BOW=${BOW:-$P2} XDS=${XDS:-$P3} ADMIN=${ADMIN:-$P4}
start_mesh
before=$(rss_mb "$BOW_PID")
python3 - "$BOW" "$N" "$HOLD" "$BOW_PID" <<'PY'
import select, socket, subprocess, sys, time
port, n, hold, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
conns = []
t0 = time.time()
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.setblocking(False)
    conns.append(s)
print(f"opened {n} connections in {time.time() - t0:.1f} s")
poller = select.epoll()
for s in conns:
    poller.register(s.fileno(), select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLHUP)
deadline = time.time() + hold
closed = 0
while time.time() < deadline:
    closed += len(poller.poll(1.0))
    if closed:
        break
# a request still goes through while they are held
r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--noproxy", "*", "-H", "Host: echo",
                    f"http://127.0.0.1:{port}/"], capture_output=True, text=True)
rss = next(l.split()[1] for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS"))
print(f"held {n} connections for {hold} s: {closed} closed by the proxy; a request meanwhile: {r.stdout}; "
      f"proxy RSS {int(rss) / 1024:.1f} MB")
sys.exit(0 if closed == 0 and r.stdout == "200" else 1)
PY
echo "proxy RSS before: $before MB"
