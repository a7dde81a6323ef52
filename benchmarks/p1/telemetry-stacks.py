#!/usr/bin/env python3
"""Samples of each P1TelemetryProfile client's calling thread (async-profiler collapsed stacks, 'threads' option),
by what the leaf frame is: the kernel's read/write, the JVM, OkHttp/okio, the JDK, Bowline's telemetry package,
the rest of Bowline, the OTel SDK/API, Micrometer. The clients make the same number of calls, so the columns compare
as they are. Then, with two thread names, the frames whose self samples differ most between them.
  telemetry-stacks.py FILE [p1-mesh p1-mesh+all]"""
import collections
import re
import sys

CLIENTS = ['p1-direct', 'p1-direct_A/A', 'p1-direct+3_B3', 'p1-mesh', 'p1-mesh+prometheus', 'p1-mesh+sdk',
           'p1-mesh+log', 'p1-mesh+all']


def kind(leaf):
    if leaf in ('__GI_read', '__GI_write'):
        return 'syscall ' + leaf[5:]
    if leaf.startswith('__') or leaf.endswith('_[k]'):
        return 'other syscalls, kernel'
    for prefix, name in (('io/bowline/runtime/telemetry', 'bowline telemetry'), ('io/bowline', 'bowline other'),
                         ('io/opentelemetry', 'otel'), ('io/micrometer', 'micrometer'), ('okhttp3', 'okhttp/okio'),
                         ('okio', 'okhttp/okio'), ('kotlin', 'okhttp/okio'), ('java/', 'jdk'), ('jdk/', 'jdk'),
                         ('sun/', 'jdk')):
        if leaf.startswith(prefix):
            return name
    return 'jvm, native'


def main():
    by_kind = collections.defaultdict(collections.Counter)
    by_leaf = collections.defaultdict(collections.Counter)
    total = collections.Counter()
    for line in open(sys.argv[1]):
        stack, n = line.rstrip('\n').rsplit(' ', 1)
        frames = stack.split(';')
        thread = re.sub(r' tid=\d+\]$', '', frames[0])[1:]
        if thread not in CLIENTS:
            continue
        by_kind[kind(frames[-1])][thread] += int(n)
        by_leaf[frames[-1]][thread] += int(n)
        total[thread] += int(n)
    print('%-24s' % 'samples by leaf' + ''.join('%16s' % c[3:18] for c in CLIENTS))
    for k in sorted(by_kind, key=lambda k: -sum(by_kind[k].values())):
        print('%-24s' % k + ''.join('%16d' % by_kind[k][c] for c in CLIENTS))
    print('%-24s' % 'total' + ''.join('%16d' % total[c] for c in CLIENTS))
    if len(sys.argv) > 3:
        a, b = sys.argv[2], sys.argv[3]
        print(f'\nself samples, {a} / {b}, largest differences first:')
        for leaf in sorted(by_leaf, key=lambda l: -abs(by_leaf[l][b] - by_leaf[l][a]))[:25]:
            print('%6d %6d  %s' % (by_leaf[leaf][a], by_leaf[leaf][b], leaf[:140]))


if __name__ == '__main__':
    main()
