package io.bowline.runtime.lb;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy {@code MAGLEV}: a lookup table of {@code table_size} (prime) slots filled from each host's
 * permutation ({@code offset = xxHash64(address) mod M}, {@code skip = xxHash64(address, seed 1)
 * mod (M - 1) + 1}); a host of weight w takes its next preferred free slot every
 * {@code max_weight / w} rounds. A request goes to {@code table[hash mod M]}; with no hash, a
 * random slot.
 */
final class MaglevLoadBalancer implements LoadBalancer {
  private final UpstreamHost[] table;

  MaglevLoadBalancer(List<UpstreamHost> hosts, long tableSize) {
    if (hosts.isEmpty()) {
      table = new UpstreamHost[0];
      return;
    }
    int m = (int) tableSize;
    int n = hosts.size();
    long[] offset = new long[n];
    long[] skip = new long[n];
    long[] next = new long[n];
    double[] weight = new double[n];
    double[] targetWeight = new double[n];
    double sum = 0;
    for (UpstreamHost h : hosts) {
      sum += h.endpoint().weight();
    }
    double max = 0;
    for (int i = 0; i < n; i++) {
      byte[] key = hosts.get(i).endpoint().hostPort().getBytes(StandardCharsets.UTF_8);
      offset[i] = Long.remainderUnsigned(XxHash64.hash(key, 0), m);
      skip[i] = Long.remainderUnsigned(XxHash64.hash(key, 1), m - 1) + 1;
      weight[i] = hosts.get(i).endpoint().weight() / sum;
      max = Math.max(max, weight[i]);
    }
    table = new UpstreamHost[m];
    int filled = 0;
    for (long iteration = 1; filled < m; iteration++) {
      for (int i = 0; i < n && filled < m; i++) {
        if (iteration * weight[i] < targetWeight[i]) {
          continue;
        }
        targetWeight[i] += max;
        int c = (int) ((offset[i] + skip[i] * next[i]) % m);
        while (table[c] != null) {
          next[i]++;
          c = (int) ((offset[i] + skip[i] * next[i]) % m);
        }
        table[c] = hosts.get(i);
        next[i]++;
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
