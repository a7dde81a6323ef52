package io.bowline.runtime.upstream.lb;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy {@code LEAST_REQUEST}. With equal weights: draw {@code choice_count} hosts at random (with
 * replacement, as Envoy does) and keep the one with the fewest active requests. With unequal
 * weights: each host's effective weight is {@code weight / (active + 1)^active_request_bias} and a
 * host is drawn with probability proportional to it (Envoy uses an EDF schedule over the same
 * weights; a weighted draw has the same expectation and needs no shared mutable schedule).
 */
final class LeastRequestLoadBalancer implements LoadBalancer {
  private final UpstreamHost[] hosts;
  private final int choiceCount;
  private final double bias;
  private final boolean weighted;

  LeastRequestLoadBalancer(List<UpstreamHost> hosts, int choiceCount, double bias) {
    this.hosts = hosts.toArray(UpstreamHost[]::new);
    this.choiceCount = choiceCount;
    this.bias = bias;
    boolean w = false;
    for (UpstreamHost h : this.hosts) {
      w |= h.endpoint().weight() != this.hosts[0].endpoint().weight();
    }
    this.weighted = w;
  }

  @Override
  public UpstreamHost pick(long hash) {
    int n = hosts.length;
    if (n == 0) {
      return null;
    }
    if (n == 1) {
      return hosts[0];
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    if (!weighted) {
      UpstreamHost best = hosts[random.nextInt(n)];
      for (int i = 1; i < choiceCount; i++) {
        UpstreamHost c = hosts[random.nextInt(n)];
        if (c.activeRequests() < best.activeRequests()) {
          best = c;
        }
      }
      return best;
    }
    double[] effective = new double[n];
    double total = 0;
    for (int i = 0; i < n; i++) {
      double w = hosts[i].endpoint().weight();
      if (bias != 0) {
        w /= bias == 1.0 ? hosts[i].activeRequests() + 1 : Math.pow(hosts[i].activeRequests() + 1, bias);
      }
      total += w;
      effective[i] = total;
    }
    double r = random.nextDouble(total);
    for (int i = 0; i < n; i++) {
      if (r < effective[i]) {
        return hosts[i];
      }
    }
    return hosts[n - 1];
  }
}
