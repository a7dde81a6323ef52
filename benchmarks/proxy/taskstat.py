#!/usr/bin/env python3
"""Per-thread CPU, page faults and context switches of processes, between two snapshots.

usage: taskstat.py snap PID... > FILE      (one snapshot of every thread of each PID)
       taskstat.py diff BEFORE AFTER N     (per request, N requests: by process and thread group)
Thread groups: the event loop (Netty's epoll threads), the VM thread (SerialGC's young collections run
there), C1/C2 compiler threads, and the rest; HAProxy is one thread."""
import json, os, re, sys

def task(pid, tid):
    with open(f"/proc/{pid}/task/{tid}/stat") as f:
        s = f.read()
    comm = s[s.index("(") + 1:s.rindex(")")]
    rest = s[s.rindex(")") + 2:].split()
    # fields after comm start at 3 (state); minflt 10, majflt 12, utime 14, stime 15
    out = {"comm": comm, "minflt": int(rest[7]), "majflt": int(rest[9]),
           "utime": int(rest[11]), "stime": int(rest[12])}
    with open(f"/proc/{pid}/task/{tid}/status") as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches"):
                out["vcs"] = int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches"):
                out["ncs"] = int(line.split()[1])
    return out

def group(comm):
    if re.match(r"bowline-proxy-\d|epoll|EventLoop", comm):
        return "event loop"
    if comm.startswith("VM Thread"):
        return "VM thread (GC)"
    if re.search(r"C[12] Compiler", comm):
        return "JIT"
    if comm in ("haproxy",):
        return "haproxy"
    return "other"

def snap(pids):
    out = {}
    for pid in pids:
        tasks = {}
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                tasks[tid] = task(pid, tid)
            except OSError:
                pass
        out[pid] = tasks
    json.dump(out, sys.stdout)

def diff(a_file, b_file, n):
    a, b = json.load(open(a_file)), json.load(open(b_file))
    clk = os.sysconf("SC_CLK_TCK")
    n = float(n)
    for pid, tasks in b.items():
        groups = {}
        for tid, t in tasks.items():
            t0 = a.get(pid, {}).get(tid, {"utime": 0, "stime": 0, "minflt": 0, "majflt": 0, "vcs": 0, "ncs": 0})
            g = groups.setdefault(group(t["comm"]), [0] * 6)
            for i, k in enumerate(("utime", "stime", "minflt", "majflt", "vcs", "ncs")):
                g[i] += t[k] - t0[k]
        tot = [sum(g[i] for g in groups.values()) for i in range(6)]
        for name, g in sorted(groups.items(), key=lambda kv: -(kv[1][0] + kv[1][1])) + [("all", tot)]:
            if name != "all" and g[0] + g[1] == 0 and g[2] == 0 and g[4] + g[5] == 0:
                continue
            print(f"| {pid} | {name} | {g[0] / clk * 1e6 / n:.2f} | {g[1] / clk * 1e6 / n:.2f} | "
                  f"{(g[0] + g[1]) / clk * 1e6 / n:.2f} | {g[2] * 1000 / n:.2f} | {g[4] * 1000 / n:.2f} | {g[5] * 1000 / n:.2f} |")

if __name__ == "__main__":
    if sys.argv[1] == "snap":
        snap(sys.argv[2:])
    else:
        diff(*sys.argv[2:5])
