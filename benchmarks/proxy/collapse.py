#!/usr/bin/env python3
"""`perf script` (with -g call chains) on stdin to collapsed stacks on stdout (root first, ';'-joined, count),
kernel frames suffixed _[k] as async-profiler writes them, so the two profilers' stacks compare line for line."""
import collections, sys

stacks = collections.Counter()
frames = []
def flush():
    if frames:
        stacks[";".join(reversed(frames))] += 1
    frames.clear()
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line.strip():
        flush()
        continue
    if not line.startswith((" ", "\t")):
        flush()
        continue
    parts = line.strip().split(None, 1)
    if len(parts) < 2:
        continue
    sym = parts[1]
    dso = ""
    if sym.endswith(")") and " (" in sym:
        sym, dso = sym.rsplit(" (", 1)
    sym = sym.split("+0x")[0]
    if "kernel" in dso or dso.startswith("[kernel"):
        sym += "_[k]"
    frames.append(sym)
flush()
for s, c in stacks.items():
    print(s, c)
