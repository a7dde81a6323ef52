#!/usr/bin/env python3
"""Pools P1's paired differences over several JVMs.

Reads the files that P1Interleaved / P1TelemetryBreakdown append to under -Dp1.dump=<file> (a line per run, client
and kind: "<run> <client> p50|p99 <values...>", tab-separated; p50 per round, p99 per block of 5 rounds) and prints,
for each client against a reference client, the median of the per-round (p50) and per-block (p99) differences over
all runs pooled, with a 95 % interval from order statistics, and the median of each run alone.

    python3 benchmarks/p1/pool.py dump.tsv [more.tsv ...] [--ref "OkHttp direct"] [--ref mesh]
"""
import argparse
import math
import statistics
import sys
from collections import OrderedDict, defaultdict


def interval(diffs):
    d = sorted(diffs)
    n = len(d)
    half = math.ceil(1.96 * math.sqrt(n) / 2)
    return d[n // 2], d[max(0, n // 2 - half)], d[min(n - 1, n // 2 + half)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--ref", action="append", help="reference client(s); default: the first client of each run")
    args = ap.parse_args()
    runs = OrderedDict()  # run -> client -> kind -> values
    for f in args.files:
        with open(f) as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 4:
                    continue
                run, client, kind = parts[:3]
                runs.setdefault(run, OrderedDict()).setdefault(client, {})[kind] = [float(v) for v in parts[3:]]
    if not runs:
        sys.exit("no runs in " + ", ".join(args.files))
    clients = list(next(iter(runs.values())).keys())
    refs = args.ref or [clients[0]]
    print(f"{len(runs)} runs pooled")
    for ref in refs:
        print(f"\nagainst {ref!r}: pooled median [95 %] (n), then each run's median")
        print(f"{'client':30s} {'paired p50':>30s} {'paired p99':>30s}")
        for client in clients:
            if client == ref:
                continue
            cells = []
            for kind in ("p50", "p99"):
                pooled, per_run = [], []
                for data in runs.values():
                    if client not in data or ref not in data:
                        continue
                    diffs = [a - b for a, b in zip(data[client][kind], data[ref][kind])]
                    pooled += diffs
                    per_run.append(statistics.median(diffs))
                if not pooled:
                    cells.append("-")
                    continue
                m, lo, hi = interval(pooled)
                runs_txt = " ".join(f"{v:+.1f}" for v in per_run)
                cells.append(f"{m:+6.1f} [{lo:+.1f}, {hi:+.1f}] ({len(pooled)}) | {runs_txt}")
            print(f"{client:30s} p50 {cells[0]}")
            print(f"{'':30s} p99 {cells[1]}")


if __name__ == "__main__":
    main()
