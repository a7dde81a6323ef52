package io.bowline.runtime.upstream.lb;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Envoy {@code RANDOM}: each host with probability weight / total weight. */
final class RandomLoadBalancer implements LoadBalancer {
  private final UpstreamHost[] hosts;
  private final long[] cumulative;

  RandomLoadBalancer(List<UpstreamHost> hosts) {
    this.hosts = hosts.toArray(UpstreamHost[]::new);
    this.cumulative = new long[this.hosts.length];
    long sum = 0;
    for (int i = 0; i < this.hosts.length; i++) {
      sum += this.hosts[i].endpoint().weight();
      cumulative[i] = sum;
    }
  }

  @Override
  public UpstreamHost pick(long hash) {
    if (hosts.length == 0) {
      return null;
    }
    long r = ThreadLocalRandom.current().nextLong(cumulative[cumulative.length - 1]);
    int i = Arrays.binarySearch(cumulative, r + 1);
    return hosts[i >= 0 ? i : -i - 1];
  }
}
