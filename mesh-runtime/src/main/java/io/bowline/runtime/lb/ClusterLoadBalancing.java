package io.bowline.runtime.lb;

import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.api.config.Endpoint;
import io.bowline.api.config.LbConfig;
import io.bowline.api.config.LbPolicy;
import io.bowline.api.config.LocalityEndpoints;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cluster's load balancing, built from its endpoint assignment: Envoy's priority set (priority
 * load with the overprovisioning factor, degraded hosts after healthy capacity, panic threshold,
 * see {@link PriorityLoad}), optional locality weighting ({@code locality_weighted_lb_config}:
 * a locality is drawn by {@code load_balancing_weight × min(1, factor × healthy / total)}, then a
 * host inside it), and the cluster's {@code lb_policy} over the chosen host set. Health:
 * HEALTHY/UNKNOWN are healthy, DEGRADED degraded, UNHEALTHY/DRAINING/TIMEOUT excluded.
 *
 * <p>Live state carries over from the previous build of the same cluster: active-request counters
 * per endpoint and round-robin positions per host set, so an update does not reset them.
 */
public final class ClusterLoadBalancing {
  private static final int HEALTHY = 0;
  private static final int DEGRADED = 1;
  private static final int ALL = 2;

  private final Map<String, AtomicInteger> counters = new HashMap<>();
  private final Map<String, AtomicLong> positions = new HashMap<>();
  private final List<UpstreamHost> hosts = new ArrayList<>();
  /** {@link #hosts} read-only, made once: the data path asks for it per call (no copy). */
  private final List<UpstreamHost> hostsView = java.util.Collections.unmodifiableList(hosts);
  private final PriorityLoad load;
  /** [priority][HEALTHY|DEGRADED|ALL] → balancer over that set. */
  private final HostSet[][] sets;
  private final LoadBalancer balancer;

  private ClusterLoadBalancing(
      LbPolicy policy, LbConfig config, ClusterLoadAssignment cla, ClusterLoadBalancing previous) {
    int maxPriority = -1;
    for (LocalityEndpoints le : cla.localities()) {
      maxPriority = Math.max(maxPriority, le.priority());
    }
    int n = maxPriority + 1;
    int[] total = new int[n];
    int[] healthy = new int[n];
    int[] degraded = new int[n];
    // per priority, per locality index: hosts by health class
    List<List<LocalityEndpoints>> localitiesByPriority = new ArrayList<>();
    for (int p = 0; p < n; p++) {
      localitiesByPriority.add(new ArrayList<>());
    }
    Map<LocalityEndpoints, List<UpstreamHost>> built = new HashMap<>();
    for (LocalityEndpoints le : cla.localities()) {
      localitiesByPriority.get(le.priority()).add(le);
      List<UpstreamHost> lh = new ArrayList<>();
      for (Endpoint e : le.endpoints()) {
        AtomicInteger c = previous != null ? previous.counters.get(e.hostPort()) : null;
        if (c == null) {
          c = counters.getOrDefault(e.hostPort(), new AtomicInteger());
        }
        counters.put(e.hostPort(), c);
        UpstreamHost h = new UpstreamHost(e, le.priority(), c);
        lh.add(h);
        hosts.add(h);
        total[le.priority()]++;
        if (e.health().isHealthy()) {
          healthy[le.priority()]++;
        } else if (e.health() == Endpoint.HealthStatus.DEGRADED) {
          degraded[le.priority()]++;
        }
      }
      built.put(le, lh);
    }
    this.load = new PriorityLoad(total, healthy, degraded, cla.overprovisioningFactor(), config.healthyPanicThreshold());
    this.sets = new HostSet[n][3];
    boolean consistentHash = policy == LbPolicy.RING_HASH || policy == LbPolicy.MAGLEV;
    for (int p = 0; p < n; p++) {
      for (int kind = HEALTHY; kind <= ALL; kind++) {
        if (!needed(p, kind)) {
          continue;
        }
        List<LocalityEndpoints> les = localitiesByPriority.get(p);
        List<List<UpstreamHost>> perLocality = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        List<Integer> configured = new ArrayList<>();
        for (LocalityEndpoints le : les) {
          configured.add(le.weight());
          List<UpstreamHost> chosen = new ArrayList<>();
          int localityHealthy = 0;
          for (UpstreamHost h : built.get(le)) {
            if (accepts(kind, h.endpoint().health())) {
              chosen.add(h);
            }
            localityHealthy += h.endpoint().health().isHealthy() ? 1 : 0;
          }
          perLocality.add(chosen);
          double availability = le.endpoints().isEmpty() ? 0
              : Math.min(1.0, cla.overprovisioningFactor() / 100.0 * localityHealthy / le.endpoints().size());
          weights.add(kind == HEALTHY ? le.weight() * availability : (double) le.weight());
        }
        sets[p][kind] = consistentHash
            ? new HostSet(hashBalancer(perLocality, configured, policy, config))
            : new HostSet(p + "/" + kind, perLocality, weights, config.localityWeighted(), policy, config, previous);
      }
    }
    this.balancer = this::pick;
  }

  /** Only the host sets the priority load can send traffic to are built (a maglev table is 65537 slots). */
  private boolean needed(int priority, int kind) {
    if (load.none) {
      return false;
    }
    switch (kind) {
      case HEALTHY:
        return load.healthy[priority] > 0 && !load.panic[priority];
      case DEGRADED:
        return load.degraded[priority] > 0 && !load.panic[priority];
      default:
        return load.panic[priority];
    }
  }

  private static boolean accepts(int kind, Endpoint.HealthStatus health) {
    switch (kind) {
      case HEALTHY:
        return health.isHealthy();
      case DEGRADED:
        return health == Endpoint.HealthStatus.DEGRADED;
      default:
        return true;
    }
  }

  /**
   * @param policy the cluster's {@code lb_policy}
   * @param config its settings
   * @param cla the endpoints
   * @param previous the previous state of the same cluster, or {@code null}
   */
  public static ClusterLoadBalancing build(
      LbPolicy policy, LbConfig config, ClusterLoadAssignment cla, ClusterLoadBalancing previous) {
    return new ClusterLoadBalancing(policy, config, cla, previous);
  }

  /** {@link #build(LbPolicy, LbConfig, ClusterLoadAssignment, ClusterLoadBalancing)} with Envoy's defaults. */
  public static ClusterLoadBalancing build(LbPolicy policy, ClusterLoadAssignment cla, ClusterLoadBalancing previous) {
    return build(policy, LbConfig.DEFAULT, cla, previous);
  }

  private UpstreamHost pick(long hash) {
    if (load.none || sets.length == 0) {
      return null;
    }
    int r = hash == LoadBalancer.NO_HASH
        ? ThreadLocalRandom.current().nextInt(100)
        : (int) Long.remainderUnsigned(hash, 100);
    for (int p = 0; p < sets.length; p++) {
      if (r < load.healthy[p]) {
        return sets[p][load.panic[p] ? ALL : HEALTHY].pick(hash);
      }
      r -= load.healthy[p];
    }
    for (int p = 0; p < sets.length; p++) {
      if (r < load.degraded[p]) {
        return sets[p][load.panic[p] ? ALL : DEGRADED].pick(hash);
      }
      r -= load.degraded[p];
    }
    return null;
  }

  /** Every endpoint of the cluster, whatever its health. */
  public List<UpstreamHost> hosts() {
    return hostsView;
  }

  /** The balancer: priority, then locality, then {@code lb_policy}. */
  public LoadBalancer balancer() {
    return balancer;
  }

  /** Percent of traffic to the healthy hosts of {@code priority} (Envoy's healthy priority load). */
  public int healthyLoad(int priority) {
    return priority < load.healthy.length ? load.healthy[priority] : 0;
  }

  /** Percent of traffic to the degraded hosts of {@code priority}. */
  public int degradedLoad(int priority) {
    return priority < load.degraded.length ? load.degraded[priority] : 0;
  }

  /** One priority's hosts of one health class, by locality, with a balancer. */
  private final class HostSet {
    private final LoadBalancer[] perLocality;
    private final double[] cumulative;
    private final LoadBalancer whole;

    /** One ring or table over all localities: Envoy's consistent-hash balancers weigh localities into it. */
    HostSet(LoadBalancer whole) {
      this.whole = whole;
      this.perLocality = null;
      this.cumulative = new double[0];
    }

    HostSet(String key, List<List<UpstreamHost>> localities, List<Double> weights, boolean localityWeighted,
        LbPolicy policy, LbConfig config, ClusterLoadBalancing previous) {
      List<UpstreamHost> all = new ArrayList<>();
      localities.forEach(all::addAll);
      this.whole = all.isEmpty() ? null : balancer(key, all, policy, config, previous);
      double sum = 0;
      List<LoadBalancer> lbs = new ArrayList<>();
      List<Double> cum = new ArrayList<>();
      if (localityWeighted) {
        for (int i = 0; i < localities.size(); i++) {
          double w = weights.get(i);
          if (w > 0 && !localities.get(i).isEmpty()) {
            sum += w;
            lbs.add(balancer(key + "/" + i, localities.get(i), policy, config, previous));
            cum.add(sum);
          }
        }
      }
      this.perLocality = localityWeighted ? lbs.toArray(LoadBalancer[]::new) : null;
      this.cumulative = cum.stream().mapToDouble(Double::doubleValue).toArray();
    }

    UpstreamHost pick(long hash) {
      if (perLocality == null) {
        return whole == null ? null : whole.pick(hash);
      }
      if (perLocality.length == 0) {
        return null;
      }
      double r = ThreadLocalRandom.current().nextDouble(cumulative[cumulative.length - 1]);
      for (int i = 0; i < cumulative.length; i++) {
        if (r < cumulative[i]) {
          return perLocality[i].pick(hash);
        }
      }
      return perLocality[perLocality.length - 1].pick(hash);
    }
  }

  /**
   * A {@code RING_HASH} ring or {@code MAGLEV} table over every locality; with
   * {@code locality_weighted_lb_config} the localities' configured weights scale their hosts'
   * shares, as Envoy's thread-aware balancers do (no random locality pick before the hash).
   */
  private static LoadBalancer hashBalancer(
      List<List<UpstreamHost>> localities, List<Integer> localityWeights, LbPolicy policy, LbConfig config) {
    NormalizedHostWeights weights;
    if (config.localityWeighted()) {
      weights = NormalizedHostWeights.byLocality(localities, localityWeights, config.useHostnameForHashing());
    } else {
      List<UpstreamHost> all = new ArrayList<>();
      localities.forEach(all::addAll);
      weights = NormalizedHostWeights.flat(all, config.useHostnameForHashing());
    }
    return policy == LbPolicy.RING_HASH
        ? new RingHashLoadBalancer(weights, config.minimumRingSize(), config.maximumRingSize(), config.ringHashFunction())
        : new MaglevLoadBalancer(weights, config.maglevTableSize());
  }

  private LoadBalancer balancer(
      String key, List<UpstreamHost> set, LbPolicy policy, LbConfig config, ClusterLoadBalancing previous) {
    switch (policy) {
      case ROUND_ROBIN:
        AtomicLong position = previous != null ? previous.positions.get(key) : null;
        if (position == null) {
          position = new AtomicLong(ThreadLocalRandom.current().nextInt(1 << 16));
        }
        positions.put(key, position);
        return new RoundRobinLoadBalancer(set, position);
      case RANDOM:
        return new RandomLoadBalancer(set);
      case LEAST_REQUEST:
      default:
        return new LeastRequestLoadBalancer(set, config.choiceCount(), config.activeRequestBias());
    }
  }
}
