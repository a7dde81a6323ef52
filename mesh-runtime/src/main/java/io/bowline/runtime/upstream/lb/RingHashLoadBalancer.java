package io.bowline.runtime.upstream.lb;

import io.bowline.api.config.LbConfig;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy {@code RING_HASH} (Ketama). With normalized weights w (see {@link NormalizedHostWeights}),
 * the ring is scaled to {@code min(ceil(min w × minimum_ring_size) / min w, maximum_ring_size)};
 * walking the hosts in order, a running target grows by {@code scale × w} per host and the host gets
 * entries {@code "<key>_0"}, {@code "<key>_1"}, ... (the key is the address {@code 10.0.0.1:80}, the
 * hostname or the {@code envoy.lb hash_key}; see {@link NormalizedHostWeights}) until the running entry count reaches
 * the target, each at {@code xxHash64} of that key (with {@code hash_function: MURMUR_HASH_2}, at
 * {@link MurmurHash2x64} of it). Entries are sorted by hash as unsigned 64-bit values. A request
 * goes to the first entry whose hash is ≥ the request hash, wrapping around to the first; with no
 * hash a random 64-bit value stands in for it, as in Envoy.
 *
 * <p>Pinned against Envoy's own test vectors ({@code ring_hash_lb_test.cc}: Basic, BasicWithMurmur2,
 * UnevenHosts, HostWeightedTinyRing, HostWeightedLargeRing, the locality-weighted cases) in
 * {@code EnvoyVectorsTest}.
 */
final class RingHashLoadBalancer implements LoadBalancer {
  private final long[] hashes;
  private final UpstreamHost[] owners;

  RingHashLoadBalancer(List<UpstreamHost> hosts, long minRingSize, long maxRingSize) {
    this(hosts, minRingSize, maxRingSize, LbConfig.RingHashFunction.XX_HASH);
  }

  RingHashLoadBalancer(List<UpstreamHost> hosts, long minRingSize, long maxRingSize, LbConfig.RingHashFunction function) {
    this(NormalizedHostWeights.flat(hosts), minRingSize, maxRingSize, function);
  }

  RingHashLoadBalancer(NormalizedHostWeights weights, long minRingSize, long maxRingSize,
      LbConfig.RingHashFunction function) {
    boolean murmur = function == LbConfig.RingHashFunction.MURMUR_HASH_2;
    if (weights.isEmpty()) {
      hashes = new long[0];
      owners = new UpstreamHost[0];
      return;
    }
    double minWeight = weights.min;
    double scale = Math.min(Math.ceil(minWeight * Math.min(minRingSize, maxRingSize)) / minWeight, (double) maxRingSize);
    int capacity = (int) Math.ceil(scale) + 1;
    long[] keys = new long[capacity];
    UpstreamHost[] who = new UpstreamHost[capacity];
    int count = 0;
    double target = 0;
    for (int h = 0; h < weights.hosts.size(); h++) {
      UpstreamHost host = weights.hosts.get(h);
      String prefix = weights.keys[h] + "_";
      target += scale * weights.weights[h];
      for (long i = 0; count < target; i++) {
        if (count == keys.length) {
          keys = Arrays.copyOf(keys, count * 2);
          who = Arrays.copyOf(who, count * 2);
        }
        keys[count] = murmur ? MurmurHash2x64.hash(prefix + i) : XxHash64.hash(prefix + i);
        who[count] = host;
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
      hash = ThreadLocalRandom.current().nextLong();
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
