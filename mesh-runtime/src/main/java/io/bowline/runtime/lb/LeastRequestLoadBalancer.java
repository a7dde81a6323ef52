package io.bowline.runtime.lb;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy {@code LEAST_REQUEST} with {@code choice_count} 2 ("power of two choices"): draw two hosts
 * at random and take the one with fewer active requests. With unequal weights the comparison is on
 * {@code (active + 1) / weight}, i.e. {@code active_request_bias} 1.0.
 */
final class LeastRequestLoadBalancer implements LoadBalancer {
  private final UpstreamHost[] hosts;

  LeastRequestLoadBalancer(List<UpstreamHost> hosts) {
    this.hosts = hosts.toArray(UpstreamHost[]::new);
  }

  @Override
  public UpstreamHost pick() {
    int n = hosts.length;
    if (n == 0) {
      return null;
    }
    if (n == 1) {
      return hosts[0];
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int a = random.nextInt(n);
    int b = random.nextInt(n - 1);
    if (b >= a) {
      b++;
    }
    UpstreamHost x = hosts[a];
    UpstreamHost y = hosts[b];
    long lx = (long) (x.activeRequests() + 1) * y.endpoint().weight();
    long ly = (long) (y.activeRequests() + 1) * x.endpoint().weight();
    return ly < lx ? y : x;
  }
}
