package io.bowline.runtime.upstream.lb;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy {@code MAGLEV}: a lookup table of {@code table_size} (prime) slots. Hosts are ordered by
 * their key (the address, {@code 10.0.0.1:80}, or the hostname; see {@link NormalizedHostWeights}) so the table does not depend on the order
 * endpoints arrive in; each host's permutation starts at {@code offset = xxHash64(key) mod M} and
 * steps by {@code skip = xxHash64(key, seed 1) mod (M - 1) + 1}. Rounds go over the hosts in that
 * order; a host of normalized weight w (see {@link NormalizedHostWeights}) takes its next free
 * preferred slot in round r when {@code r × w ≥} its target, which then grows by the largest
 * normalized weight. A request goes to {@code table[hash mod M]}; with no hash, a random slot.
 *
 * <p>Pinned against Envoy's own test vectors ({@code maglev_lb_test.cc}: Basic, BasicStability,
 * Weighted, WeightedSingleHost, the locality-weighted cases) in {@code EnvoyVectorsTest}.
 */
final class MaglevLoadBalancer implements LoadBalancer {
  private final UpstreamHost[] table;

  /** A table over {@code hosts} by endpoint weight alone. */
  MaglevLoadBalancer(List<UpstreamHost> hosts, long tableSize) {
    this(NormalizedHostWeights.flat(hosts), tableSize);
  }

  MaglevLoadBalancer(NormalizedHostWeights weights, long tableSize) {
    if (weights.isEmpty()) {
      table = new UpstreamHost[0];
      return;
    }
    int m = (int) tableSize;
    int n = weights.hosts.size();
    String[] keys = weights.keys;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> keys[a].compareTo(keys[b]));
    long[] offset = new long[n];
    long[] skip = new long[n];
    long[] next = new long[n];
    double[] targetWeight = new double[n];
    for (int j = 0; j < n; j++) {
      byte[] key = keys[order[j]].getBytes(StandardCharsets.UTF_8);
      offset[j] = Long.remainderUnsigned(XxHash64.hash(key, 0), m);
      skip[j] = Long.remainderUnsigned(XxHash64.hash(key, 1), m - 1) + 1;
    }
    table = new UpstreamHost[m];
    int filled = 0;
    for (long iteration = 1; filled < m; iteration++) {
      for (int j = 0; j < n && filled < m; j++) {
        if (iteration * weights.weights[order[j]] < targetWeight[j]) {
          continue;
        }
        targetWeight[j] += weights.max;
        int c = (int) ((offset[j] + skip[j] * next[j]) % m);
        while (table[c] != null) {
          next[j]++;
          c = (int) ((offset[j] + skip[j] * next[j]) % m);
        }
        table[c] = weights.hosts.get(order[j]);
        next[j]++;
        filled++;
      }
    }
  }

  @Override
  public UpstreamHost pick(long hash) {
    if (table.length == 0) {
      return null;
    }
    int slot = hash == LoadBalancer.NO_HASH
        ? ThreadLocalRandom.current().nextInt(table.length)
        : (int) Long.remainderUnsigned(hash, table.length);
    return table[slot];
  }
}
