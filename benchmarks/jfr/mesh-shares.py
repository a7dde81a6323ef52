#!/usr/bin/env python3
"""Shares of the OkHttp mesh call's calling-thread CPU, from a JFR recording's execution samples.

Reads `jfr print --events jdk.ExecutionSample --stack-depth 200 FILE.jfr` output (one or more files) and, for the
calling thread ("main"), takes the samples under the mesh's application interceptor (MeshInterceptor.intercept, any
package: the code before the pipeline had it in io.bowline.runtime.okhttp). A sample whose stack has OkHttp's own
chain below the interceptor (RetryAndFollowUpInterceptor.intercept: bridge, cache, connect, the network interceptors,
the exchange itself) is the "inner OkHttp exchange"; every other one is the mesh's own work around it, put in the
part of the mesh nearest the sampled frame. The caller's reads of the body come after the interceptor has returned:
samples outside the interceptor with the mesh's body wrapper on the stack (CallerBody, DeadlineBody before the
pipeline) are counted apart, as "body phase", split the same way (telemetry's completion is recorded there). Figures are shares of the inner exchange's samples, so two recordings
made at different loads compare (the inner exchange is the same OkHttp code in both builds). Record with
-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints (else samples land on the nearest safepoint's frame).
"""
import collections
import re
import sys

PARTS = [  # (part, a frame's substring), first match from the sampled frame down
    ('telemetry filter, metrics, request id', 'runtime.telemetry.'),
    ('peer metadata filter', 'PeerMetadataFilter'),
    ("caller's response and body", 'OkHttpCall.respond'), ("caller's response and body", 'CallerBody'),
    ("caller's response and body", 'DeadlineBody'),
    ('route decision', 'OutboundRouter.route'), ('route decision', 'MeshClientImpl.snapshotForCall'),
    ('route decision', 'CompiledRouteConfig'),
    ('attempt: request, chain copies, proceed', 'OkHttpAttempts.send'),
    ('attempt: request, chain copies, proceed', 'OkHttpTransport.send'),
    ('router: attempts, retry, outlier, lb', 'UpstreamCall'), ('router: attempts, retry, outlier, lb', 'AttemptLoop'),
    ('exchange, filter chain, scheduler', 'runtime.pipeline.'),
    ('follow-ups', 'FollowUps'),
]


def shares(path):
    text = open(path).read()
    parts = collections.Counter()
    inner = 0
    for event in text.split('jdk.ExecutionSample {')[1:]:
        if 'sampledThread = "main"' not in event:
            continue
        frames = re.findall(r'^\s+([\w$.<>]+)\(', event, re.M)
        at = [i for i, f in enumerate(frames) if f.endswith('MeshInterceptor.intercept')]
        if not at:
            if any('CallerBody' in f or 'DeadlineBody' in f for f in frames):
                part = next((p for f in frames for p, k in PARTS if k in f and 'runtime.pipeline.' not in k), None)
                parts['body phase: ' + (part if part and 'telemetry' in part else 'reads through the wrapper')] += 1
            continue
        above = frames[:max(at)]
        if any('RetryAndFollowUpInterceptor.intercept' in f for f in above):
            inner += 1
            continue
        part = next((p for f in above for p, k in PARTS if k in f), 'interceptor entry, other')
        parts[part] += 1
    return inner, parts


for path in sys.argv[1:]:
    inner, parts = shares(path)
    own = sum(n for p, n in parts.items() if not p.startswith('body phase'))
    body = sum(n for p, n in parts.items() if p.startswith('body phase'))
    print('%s: inner OkHttp exchange %d samples; the mesh around it %d = %.2f of it; body phase %d = %.2f' % (
        path, inner, own, own / inner, body, body / inner))
    for part, n in parts.most_common():
        print('  %.3f  %4d  %s' % (n / inner, n, part))
