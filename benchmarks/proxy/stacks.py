#!/usr/bin/env python3
"""Reads collapsed stacks (async-profiler's `collapsed` output, or collapse.py's from perf) and prints, as shares
of the samples (and µs per request when REQUESTS and the sampling interval are given):
  threads  - samples by thread (async-profiler's `threads` option: the first frame names it)
  self     - the top self frames (the leaf), kernel frames marked _[k]
  kernel   - user vs kernel samples, and kernel samples by system call (the __x64_sys_* / __sys_* frame under
             entry_SYSCALL_64, or the first kernel frame when it is not a system call: page faults, interrupts)
  under F  - the leaf frames of the stacks that pass through frame F (a substring)
usage: stacks.py FILE MODE [ARG] [--thread REGEX] [--top N] [--per N_REQUESTS INTERVAL_US]"""
import collections, re, sys

args = sys.argv[1:]
def opt(name, n=1, default=None):
    if name in args:
        i = args.index(name)
        v = args[i + 1:i + 1 + n]
        del args[i:i + 1 + n]
        return v if n > 1 else v[0]
    return default
thread = opt("--thread")
top = int(opt("--top", default="25"))
per = opt("--per", 2)
path, mode = args[0], args[1]
arg = args[2] if len(args) > 2 else None

stacks = []
for line in open(path):
    line = line.rstrip("\n")
    if not line:
        continue
    s, c = line.rsplit(" ", 1)
    frames = s.split(";")
    if thread and not (frames and re.search(thread, frames[0])):
        continue
    stacks.append((frames, int(c)))
total = sum(c for _, c in stacks)
def fmt(c):
    out = f"{100 * c / total:6.2f} %"
    if per:
        out += f"  {c * float(per[1]) / float(per[0]):6.3f} µs/req"
    return out
print(f"{total} samples" + (f", thread ~ {thread}" if thread else ""))
if mode == "threads":
    by = collections.Counter()
    for f, c in stacks:
        by[re.sub(r"\d+", "N", f[0]) if f[0].startswith("[") else f[0]] += c
    for k, c in by.most_common(top):
        print(fmt(c), k)
elif mode == "self":
    by = collections.Counter()
    for f, c in stacks:
        by[f[-1]] += c
    for k, c in by.most_common(top):
        print(fmt(c), k)
elif mode == "kernel":
    user = kern = 0
    by = collections.Counter()
    leaf = collections.defaultdict(collections.Counter)
    for f, c in stacks:
        if not f[-1].endswith("_[k]"):
            user += c
            continue
        kern += c
        ks = [x for x in f if x.endswith("_[k]")]
        sysc = next((x for x in ks if re.match(r"(__x64_sys_|__sys_|__do_sys_|do_syscall_64)", x) and not x.startswith("do_syscall_64")), None)
        if sysc is None:
            sysc = "(no syscall) " + (ks[0] if ks else "?")
        by[sysc] += c
        leaf[sysc][f[-1]] += c
    print("user", fmt(user)); print("kernel", fmt(kern))
    for k, c in by.most_common(top):
        print(fmt(c), k)
        for l, lc in leaf[k].most_common(6):
            print("      ", fmt(lc), l)
elif mode == "under":
    by = collections.Counter()
    n = 0
    for f, c in stacks:
        if any(arg in x for x in f):
            n += c
            by[f[-1]] += c
    print("through", arg, fmt(n))
    for k, c in by.most_common(top):
        print(fmt(c), k)
