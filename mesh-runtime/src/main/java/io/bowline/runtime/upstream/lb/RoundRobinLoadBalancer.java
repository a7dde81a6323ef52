package io.bowline.runtime.upstream.lb;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy {@code ROUND_ROBIN}: weighted round robin. Weights are honoured by a precomputed smooth
 * weighted schedule (each host appears {@code weight / gcd} times, interleaved). The position is
 * shared with the previous balancer of the same cluster, so a config update does not restart it.
 */
final class RoundRobinLoadBalancer implements LoadBalancer {
  /** Largest schedule length; beyond it weights are scaled down proportionally. */
  private static final int MAX_SCHEDULE = 1 << 16;

  private final UpstreamHost[] schedule;
  private final AtomicLong position;

  RoundRobinLoadBalancer(List<UpstreamHost> hosts, AtomicLong position) {
    this.schedule = buildSchedule(hosts);
    this.position = position;
  }

  AtomicLong position() {
    return position;
  }

  @Override
  public UpstreamHost pick(long hash) {
    if (schedule.length == 0) {
      return null;
    }
    long p = position.getAndIncrement();
    return schedule[(int) Math.floorMod(p, (long) schedule.length)];
  }

  static UpstreamHost[] buildSchedule(List<UpstreamHost> hosts) {
    int n = hosts.size();
    if (n == 0) {
      return new UpstreamHost[0];
    }
    long[] weights = new long[n];
    long gcd = 0;
    long total = 0;
    for (int i = 0; i < n; i++) {
      weights[i] = hosts.get(i).endpoint().weight();
      gcd = gcd(gcd, weights[i]);
    }
    for (int i = 0; i < n; i++) {
      weights[i] /= gcd;
      total += weights[i];
    }
    if (total > MAX_SCHEDULE) {
      double scale = (double) MAX_SCHEDULE / total;
      total = 0;
      for (int i = 0; i < n; i++) {
        weights[i] = Math.max(1, Math.round(weights[i] * scale));
        total += weights[i];
      }
    }
    // Smooth weighted round robin: each step every host gains its weight, the richest is chosen
    // and pays the total back. It interleaves hosts instead of sending runs to one.
    UpstreamHost[] out = new UpstreamHost[(int) total];
    long[] current = new long[n];
    for (int s = 0; s < out.length; s++) {
      int best = 0;
      for (int i = 0; i < n; i++) {
        current[i] += weights[i];
        if (current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      out[s] = hosts.get(best);
    }
    return out;
  }

  private static long gcd(long a, long b) {
    return b == 0 ? a : gcd(b, a % b);
  }
}
