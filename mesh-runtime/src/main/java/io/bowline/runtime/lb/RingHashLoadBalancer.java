package io.bowline.runtime.lb;

import io.bowline.api.config.LbConfig;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy {@code RING_HASH} (Ketama). Each host gets ring entries in proportion to its weight, at
 * {@code xxHash64("<address>:<port>_<i>")} (with {@code hash_function: MURMUR_HASH_2}, at
 * {@link MurmurHash2x64} of that key); the ring size is scaled so the lightest host gets at
 * least one entry, at least {@code minimum_ring_size} entries in all and at most
 * {@code maximum_ring_size}. A request goes to the first entry whose hash is ≥ the request hash,
 * wrapping around; with no hash it goes to a random entry.
 */
final class RingHashLoadBalancer implements LoadBalancer {
  private final long[] hashes;
  private final UpstreamHost[] owners;

  RingHashLoadBalancer(List<UpstreamHost> hosts, long minRingSize, long maxRingSize) {
    this(hosts, minRingSize, maxRingSize, LbConfig.RingHashFunction.XX_HASH);
  }

  RingHashLoadBalancer(List<UpstreamHost> hosts, long minRingSize, long maxRingSize, LbConfig.RingHashFunction function) {
    boolean murmur = function == LbConfig.RingHashFunction.MURMUR_HASH_2;
    if (hosts.isEmpty()) {
      hashes = new long[0];
      owners = new UpstreamHost[0];
      return;
    }
    double sum = 0;
    for (UpstreamHost h : hosts) {
      sum += h.endpoint().weight();
    }
    double minNormalized = 1.0;
    for (UpstreamHost h : hosts) {
      minNormalized = Math.min(minNormalized, h.endpoint().weight() / sum);
    }
    double scale = Math.min(Math.ceil(minNormalized * minRingSize) / minNormalized, (double) maxRingSize);
    int ringSize = (int) Math.ceil(scale);
    long[] keys = new long[ringSize];
    UpstreamHost[] who = new UpstreamHost[ringSize];
    int count = 0;
    double target = 0;
    for (UpstreamHost h : hosts) {
      String prefix = h.endpoint().hostPort() + "_";
      target += scale * (h.endpoint().weight() / sum);
      for (long i = 0; count < target && count < ringSize; i++) {
        keys[count] = murmur ? MurmurHash2x64.hash(prefix + i) : XxHash64.hash(prefix + i);
        who[count] = h;
        count++;
      }
    }
    Integer[] order = new Integer[count];
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    long[] k = keys;
    Arrays.sort(order, (a, b) -> Long.compareUnsigned(k[a], k[b]));
    hashes = new long[count];
    owners = new UpstreamHost[count];
    for (int i = 0; i < count; i++) {
      hashes[i] = keys[order[i]];
      owners[i] = who[order[i]];
    }
  }

  int size() {
    return hashes.length;
  }

  @Override
  public UpstreamHost pick(long hash) {
    int n = hashes.length;
    if (n == 0) {
      return null;
    }
    if (hash == LoadBalancer.NO_HASH) {
      return owners[ThreadLocalRandom.current().nextInt(n)];
    }
    int lo = 0;
    int hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(hashes[mid], hash) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return owners[lo == n ? 0 : lo];
  }
}
