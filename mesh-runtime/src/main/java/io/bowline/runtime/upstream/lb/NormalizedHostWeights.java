package io.bowline.runtime.upstream.lb;

import java.util.ArrayList;
import java.util.List;

/**
 * The hosts a consistent-hash balancer ({@code RING_HASH}, {@code MAGLEV}) is built from, each
 * with its share of the whole as a fraction 0–1, computed as Envoy's thread-aware balancers do:
 * without locality weighting a host's share is {@code load_balancing_weight / sum of weights};
 * with {@code locality_weighted_lb_config} it is {@code weight × (locality weight / sum of
 * locality weights) / sum of weights in its locality}, localities of weight 0 left out. The
 * doubles are computed in Envoy's order of operations so ring sizes and table fills come out the
 * same to the last bit. Each host also has the key it is placed by: its {@code envoy.lb}
 * {@code hash_key} metadata when set, else its address as Envoy prints it ({@code 10.0.0.1:80},
 * {@code [::1]:80}), or its {@code hostname} with {@code use_hostname_for_hashing}.
 */
final class NormalizedHostWeights {
  final List<UpstreamHost> hosts;
  final double[] weights;
  final String[] keys;
  final double min;
  final double max;

  private NormalizedHostWeights(List<UpstreamHost> hosts, double[] weights, boolean useHostname) {
    this.hosts = hosts;
    this.weights = weights;
    this.keys = new String[hosts.size()];
    for (int i = 0; i < keys.length; i++) {
      var e = hosts.get(i).endpoint();
      keys[i] = !e.hashKey().isEmpty() ? e.hashKey() : useHostname ? e.hostname() : e.hostPort();
    }
    double lo = 1.0;
    double hi = 0.0;
    for (double w : weights) {
      lo = Math.min(lo, w);
      hi = Math.max(hi, w);
    }
    this.min = lo;
    this.max = hi;
  }

  /** Every host of {@code hosts}, by endpoint weight alone, placed by address. */
  static NormalizedHostWeights flat(List<UpstreamHost> hosts) {
    return flat(hosts, false);
  }

  /** Every host of {@code hosts}, by endpoint weight alone. */
  static NormalizedHostWeights flat(List<UpstreamHost> hosts, boolean useHostname) {
    double[] weights = new double[hosts.size()];
    fill(hosts, 1.0, weights, 0);
    return new NormalizedHostWeights(hosts, weights, useHostname);
  }

  /**
   * Hosts by locality, each locality scaled by its {@code load_balancing_weight}.
   *
   * @param localities the hosts of each locality
   * @param localityWeights each locality's {@code load_balancing_weight} (0 when unset), same order
   * @param useHostname place hosts by {@code hostname} ({@code use_hostname_for_hashing})
   */
  static NormalizedHostWeights byLocality(
      List<List<UpstreamHost>> localities, List<Integer> localityWeights, boolean useHostname) {
    long sum = 0;
    for (int w : localityWeights) {
      sum += w;
    }
    List<List<UpstreamHost>> kept = new ArrayList<>();
    List<Double> shares = new ArrayList<>();
    List<UpstreamHost> hosts = new ArrayList<>();
    for (int i = 0; sum > 0 && i < localities.size(); i++) {
      int w = localityWeights.get(i);
      if (w != 0 && !localities.get(i).isEmpty()) {
        kept.add(localities.get(i));
        shares.add((double) w / sum);
        hosts.addAll(localities.get(i));
      }
    }
    double[] weights = new double[hosts.size()];
    int at = 0;
    for (int i = 0; i < kept.size(); i++) {
      fill(kept.get(i), shares.get(i), weights, at);
      at += kept.get(i).size();
    }
    return new NormalizedHostWeights(hosts, weights, useHostname);
  }

  private static void fill(List<UpstreamHost> hosts, double localityShare, double[] out, int from) {
    long sum = 0;
    for (UpstreamHost h : hosts) {
      sum += h.endpoint().weight();
    }
    for (int i = 0; i < hosts.size(); i++) {
      out[from + i] = hosts.get(i).endpoint().weight() * localityShare / sum;
    }
  }

  boolean isEmpty() {
    return hosts.isEmpty();
  }
}
