package io.bowline.runtime.filter.common.fault;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.FaultPolicy;
import io.bowline.api.config.FractionalPercent;
import io.bowline.runtime.routing.HeaderMatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's HTTP fault filter for one compiled {@link FaultPolicy}: checks {@code upstream_cluster}
 * and {@code headers}, then draws delay and abort independently ({@code r < numerator} over the
 * percentage's denominator). Header-controlled faults read {@code x-envoy-fault-delay-request},
 * {@code x-envoy-fault-abort-request}, {@code x-envoy-fault-abort-grpc-request} and their
 * {@code -percentage} headers (a header percentage is capped at the configured numerator; invalid
 * values are ignored). {@code max_active_faults} is enforced with a process-wide gauge.
 */
public final class FaultInjector {
  /** Faults active in this process (Envoy's {@code active_faults} gauge). */
  private static final AtomicLong ACTIVE = new AtomicLong();

  private final FaultPolicy policy;
  private final HeaderMatch[] headers;

  public FaultInjector(FaultPolicy policy) {
    this.policy = policy;
    this.headers = policy.headers().stream().map(HeaderMatch::new).toArray(HeaderMatch[]::new);
  }

  /** Faults active in this process now. */
  public static long activeFaults() {
    return ACTIVE.get();
  }

  /**
   * Decides the fault for one request to {@code cluster}.
   *
   * @return the decision, or {@code null} when nothing is injected
   */
  public FaultDecision decide(MeshRequest request, String cluster) {
    if (!policy.upstreamCluster().isEmpty() && !policy.upstreamCluster().equals(cluster)) {
      return null;
    }
    for (HeaderMatch h : headers) {
      if (!h.matches(request)) {
        return null;
      }
    }
    long delay = delayMillis(request);
    int http = 0;
    int grpc = -1;
    FaultPolicy.Abort a = policy.abort();
    if (a != null && fires(a.percentage(), request, "x-envoy-fault-abort-request-percentage", a.headerControlled())) {
      if (a.headerControlled()) {
        http = headerInt(request, "x-envoy-fault-abort-request", 200, 599);
        if (http <= 0) {
          http = 0;
          grpc = headerInt(request, "x-envoy-fault-abort-grpc-request", 0, Integer.MAX_VALUE);
        }
      } else {
        http = a.httpStatus();
        grpc = a.grpcStatus();
      }
    }
    if (delay <= 0 && http <= 0 && grpc < 0) {
      return null;
    }
    long max = policy.maxActiveFaults();
    long n = ACTIVE.incrementAndGet();
    if (max >= 0 && n > max) {
      ACTIVE.decrementAndGet();
      return null;
    }
    return new FaultDecision(Math.max(0, delay), http, grpc, this);
  }

  void release() {
    ACTIVE.decrementAndGet();
  }

  private long delayMillis(MeshRequest request) {
    FaultPolicy.Delay d = policy.delay();
    if (d == null || !fires(d.percentage(), request, "x-envoy-fault-delay-request-percentage", d.headerControlled())) {
      return 0;
    }
    if (!d.headerControlled()) {
      return d.fixedDelay().toMillis();
    }
    return headerInt(request, "x-envoy-fault-delay-request", 0, Integer.MAX_VALUE);
  }

  private static boolean fires(FractionalPercent p, MeshRequest request, String percentHeader, boolean headerControlled) {
    long numerator = p.numerator();
    if (headerControlled) {
      int fromHeader = headerInt(request, percentHeader, 0, Integer.MAX_VALUE);
      if (fromHeader >= 0) {
        numerator = Math.min(numerator, fromHeader);
      }
    }
    if (numerator <= 0) {
      return false;
    }
    return numerator >= p.denominator() || ThreadLocalRandom.current().nextLong(p.denominator()) < numerator;
  }

  /** A header parsed as an integer in [min, max], or -1 when absent or invalid. */
  private static int headerInt(MeshRequest request, String name, int min, int max) {
    String v = request.header(name);
    if (v == null) {
      return -1;
    }
    try {
      long n = Long.parseLong(v.trim());
      return n < min || n > max ? -1 : (int) n;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
