package io.bowline.runtime.upstream.lb;

import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.api.config.Endpoint;
import io.bowline.api.config.LbConfig;
import io.bowline.api.config.LbPolicy;
import io.bowline.api.config.LocalityEndpoints;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cluster's load balancing, built from its endpoint assignment: Envoy's priority set (priority
 * load with the overprovisioning factor, degraded hosts after healthy capacity, panic threshold,
 * see {@link PriorityLoad}), optional locality weighting ({@code locality_weighted_lb_config}:
 * a locality is drawn by {@code load_balancing_weight × min(1, factor × available / total)}, with
 * available = its healthy hosts for the healthy pick and its degraded hosts for the degraded pick,
 * then a host inside it), and the cluster's {@code lb_policy} over the chosen host set. A priority
 * in panic balances over all its hosts, without a locality pick, as Envoy does.
 *
 * <p>Health: each host is HEALTHY, DEGRADED or UNHEALTHY for load balancing (Envoy's coarse
 * health). A build starts from the EDS {@code health_status} (HEALTHY/UNKNOWN healthy, DEGRADED
 * degraded, UNHEALTHY/DRAINING/TIMEOUT unhealthy); {@link #publish(Endpoint.HealthStatus[])}
 * replaces it when the hosts' health changes (outlier ejection, active health checks), recomputing
 * priority load, panic, locality weights and the host sets off the data path and publishing them
 * with one volatile write. The data path reads that one field per pick and takes no lock.
 *
 * <p>Live state carries over from the previous build of the same cluster: active-request counters
 * per endpoint and round-robin positions per host set, so an update does not reset them.
 */
public final class ClusterLoadBalancing {
  private static final int HEALTHY = 0;
  private static final int DEGRADED = 1;
  private static final int ALL = 2;

  private final LbPolicy policy;
  private final LbConfig config;
  private final int overprovisioningFactor;
  /** Each host's live counters by {@code host:port}, handed on to the next build so they survive updates. */
  private final Map<String, UpstreamHost> counters = new HashMap<>();
  /** Round-robin positions by host-set key; seeded from the previous build, added to when health changes. */
  private final Map<String, AtomicLong> positions = new ConcurrentHashMap<>();
  private final List<UpstreamHost> hosts = new ArrayList<>();
  /** {@link #hosts} read-only, made once: the data path asks for it per call (no copy). */
  private final List<UpstreamHost> hostsView = java.util.Collections.unmodifiableList(hosts);
  /** [priority] → its localities, each a range of {@link #hosts}. */
  private final Locality[][] localities;
  /** What the data path reads: priority load and host sets for the hosts' current health. */
  private volatile Plan plan;
  private final LoadBalancer balancer = this::pick;

  /** One {@code LocalityLbEndpoints}: its {@code load_balancing_weight} and its hosts {@code [from, to)}. */
  private record Locality(int weight, int from, int to) {
    int size() {
      return to - from;
    }
  }

  /** Priority load and the host sets it sends traffic to, for one health of the hosts. */
  private static final class Plan {
    final PriorityLoad load;
    /** [priority][HEALTHY|DEGRADED|ALL] → balancer over that set; only the sets the load uses. */
    final HostSet[][] sets;

    Plan(PriorityLoad load, HostSet[][] sets) {
      this.load = load;
      this.sets = sets;
    }
  }

  private ClusterLoadBalancing(
      LbPolicy policy, LbConfig config, ClusterLoadAssignment cla, ClusterLoadBalancing previous) {
    this.policy = policy;
    this.config = config;
    this.overprovisioningFactor = cla.overprovisioningFactor();
    if (previous != null) {
      positions.putAll(previous.positions);
    }
    int maxPriority = -1;
    for (LocalityEndpoints le : cla.localities()) {
      maxPriority = Math.max(maxPriority, le.priority());
    }
    List<List<Locality>> byPriority = new ArrayList<>();
    for (int p = 0; p <= maxPriority; p++) {
      byPriority.add(new ArrayList<>());
    }
    List<Endpoint.HealthStatus> eds = new ArrayList<>();
    for (LocalityEndpoints le : cla.localities()) {
      int from = hosts.size();
      for (Endpoint e : le.endpoints()) {
        UpstreamHost c = previous != null ? previous.counters.get(e.hostPort()) : null;
        if (c == null) {
          c = counters.get(e.hostPort());
        }
        UpstreamHost h = c == null ? new UpstreamHost(e, le.priority())
            : c.withEndpoint(e, le.priority());
        counters.put(e.hostPort(), h);
        hosts.add(h);
        eds.add(e.health());
      }
      byPriority.get(le.priority()).add(new Locality(le.weight(), from, hosts.size()));
    }
    this.localities = new Locality[byPriority.size()][];
    for (int p = 0; p < localities.length; p++) {
      localities[p] = byPriority.get(p).toArray(Locality[]::new);
    }
    this.plan = plan(eds.toArray(Endpoint.HealthStatus[]::new));
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

  /**
   * Recomputes priority load, panic, locality weights and host sets for the hosts' health and
   * publishes them (one volatile write); picks after it returns see the new health. Callers
   * serialize their calls (the cluster's priority set does); the data path is never blocked.
   *
   * @param health per host, in {@link #hosts()} order: {@code HEALTHY}, {@code DEGRADED} or
   *     {@code UNHEALTHY} (any other status is read as the EDS status it is)
   * @throws IllegalArgumentException if {@code health} does not have one entry per host
   */
  public void publish(Endpoint.HealthStatus[] health) {
    if (health.length != hosts.size()) {
      throw new IllegalArgumentException(
          "health for " + health.length + " hosts, the cluster has " + hosts.size());
    }
    plan = plan(health.clone());
  }

  private Plan plan(Endpoint.HealthStatus[] health) {
    int n = localities.length;
    int[] total = new int[n];
    int[] healthy = new int[n];
    int[] degraded = new int[n];
    for (int p = 0; p < n; p++) {
      for (Locality l : localities[p]) {
        for (int i = l.from; i < l.to; i++) {
          total[p]++;
          if (health[i].isHealthy()) {
            healthy[p]++;
          } else if (health[i] == Endpoint.HealthStatus.DEGRADED) {
            degraded[p]++;
          }
        }
      }
    }
    PriorityLoad load = new PriorityLoad(total, healthy, degraded, overprovisioningFactor, config.healthyPanicThreshold());
    HostSet[][] sets = new HostSet[n][3];
    boolean consistentHash = policy == LbPolicy.RING_HASH || policy == LbPolicy.MAGLEV;
    for (int p = 0; p < n; p++) {
      for (int kind = HEALTHY; kind <= ALL; kind++) {
        if (!needed(load, p, kind)) {
          continue;
        }
        List<List<UpstreamHost>> perLocality = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        List<Integer> configured = new ArrayList<>();
        for (Locality l : localities[p]) {
          configured.add(l.weight);
          List<UpstreamHost> chosen = new ArrayList<>();
          for (int i = l.from; i < l.to; i++) {
            if (accepts(kind, health[i])) {
              chosen.add(hosts.get(i));
            }
          }
          perLocality.add(chosen);
          double availability = l.size() == 0 ? 0
              : Math.min(1.0, overprovisioningFactor / 100.0 * chosen.size() / l.size());
          weights.add(l.weight * availability);
        }
        sets[p][kind] = consistentHash
            ? new HostSet(hashBalancer(perLocality, configured, policy, config))
            : new HostSet(p + "/" + kind, perLocality, weights, config.localityWeighted() && kind != ALL);
      }
    }
    return new Plan(load, sets);
  }

  /** Only the host sets the priority load can send traffic to are built (a maglev table is 65537 slots). */
  private static boolean needed(PriorityLoad load, int priority, int kind) {
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

  private UpstreamHost pick(long hash) {
    Plan pl = plan;
    PriorityLoad load = pl.load;
    if (load.none || pl.sets.length == 0) {
      return null;
    }
    int r = hash == LoadBalancer.NO_HASH
        ? ThreadLocalRandom.current().nextInt(100)
        : (int) Long.remainderUnsigned(hash, 100);
    for (int p = 0; p < pl.sets.length; p++) {
      if (r < load.healthy[p]) {
        return pl.sets[p][load.panic[p] ? ALL : HEALTHY].pick(hash);
      }
      r -= load.healthy[p];
    }
    for (int p = 0; p < pl.sets.length; p++) {
      if (r < load.degraded[p]) {
        return pl.sets[p][load.panic[p] ? ALL : DEGRADED].pick(hash);
      }
      r -= load.degraded[p];
    }
    return null;
  }

  /** Every endpoint of the cluster, whatever its health, in priority and locality order. */
  public List<UpstreamHost> hosts() {
    return hostsView;
  }

  /**
   * The balancer: priority, then locality, then {@code lb_policy}, over the health last
   * published; {@code null} from a pick means no healthy upstream (Envoy: 503 {@code UH}).
   */
  public LoadBalancer balancer() {
    return balancer;
  }

  /** Percent of traffic to the healthy hosts of {@code priority} (Envoy's healthy priority load). */
  public int healthyLoad(int priority) {
    PriorityLoad load = plan.load;
    return priority < load.healthy.length ? load.healthy[priority] : 0;
  }

  /** Percent of traffic to the degraded hosts of {@code priority}. */
  public int degradedLoad(int priority) {
    PriorityLoad load = plan.load;
    return priority < load.degraded.length ? load.degraded[priority] : 0;
  }

  /** Whether {@code priority} is in panic: it balances over all its hosts, whatever their health. */
  public boolean panic(int priority) {
    PriorityLoad load = plan.load;
    return priority < load.panic.length && load.panic[priority];
  }

  /** Whether no host can be picked: nothing available and panic disabled (Envoy: 503 {@code UH}). */
  public boolean noHealthyUpstream() {
    return plan.load.none || localities.length == 0;
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

    HostSet(String key, List<List<UpstreamHost>> localities, List<Double> weights, boolean localityWeighted) {
      List<UpstreamHost> all = new ArrayList<>();
      localities.forEach(all::addAll);
      this.whole = all.isEmpty() ? null : balancer(key, all);
      double sum = 0;
      List<LoadBalancer> lbs = new ArrayList<>();
      List<Double> cum = new ArrayList<>();
      if (localityWeighted) {
        for (int i = 0; i < localities.size(); i++) {
          double w = weights.get(i);
          if (w > 0 && !localities.get(i).isEmpty()) {
            sum += w;
            lbs.add(balancer(key + "/" + i, localities.get(i)));
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

  private LoadBalancer balancer(String key, List<UpstreamHost> set) {
    switch (policy) {
      case ROUND_ROBIN:
        AtomicLong position = positions.computeIfAbsent(key,
            k -> new AtomicLong(ThreadLocalRandom.current().nextInt(1 << 16)));
        return new RoundRobinLoadBalancer(set, position);
      case RANDOM:
        return new RandomLoadBalancer(set);
      case LEAST_REQUEST:
      default:
        return new LeastRequestLoadBalancer(set, config.choiceCount(), config.activeRequestBias());
    }
  }
}
