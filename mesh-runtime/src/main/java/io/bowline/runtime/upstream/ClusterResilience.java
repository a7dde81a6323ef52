package io.bowline.runtime.upstream;

import io.bowline.api.config.Cluster;
import io.bowline.api.config.ClusterPolicies;
import io.bowline.api.config.HealthCheck;
import io.bowline.api.config.OutlierDetection;
import io.bowline.runtime.upstream.health.ActiveHealthChecks;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import io.bowline.runtime.upstream.circuitbreaker.ClusterCircuitBreaker;

/**
 * The live resilience state of one cluster, kept by name across config updates: its circuit
 * breaker counters, its outlier detector (present while the cluster has
 * {@code outlier_detection}) and its {@link PrioritySet}. An ejection marks the host
 * {@code FAILED_OUTLIER_CHECK} in the priority set, which recomputes priority load, panic and
 * locality failover and publishes them to the cluster's load balancer; an un-ejection restores
 * them. Host selection therefore never sees an ejected host, except in panic.
 */
public final class ClusterResilience {
  private final ClusterCircuitBreaker circuitBreaker = new ClusterCircuitBreaker();
  private final PrioritySet prioritySet = new PrioritySet();
  private volatile OutlierDetector outlier;
  /** Ejections of every detector the cluster had (a detector is made again when outlier detection returns). */
  private final java.util.concurrent.atomic.AtomicLong ejectionsEnforced = new java.util.concurrent.atomic.AtomicLong();
  private volatile ClusterEntry lastEntry;
  /** Whether a host of the cluster was ever picked: active checks use {@code no_traffic_interval} until then. */
  private volatile boolean hadTraffic;
  /** The active health checks being run, and each host's watches of them. Guarded by {@code this}. */
  private List<HealthCheck> healthChecks = List.of();
  private final Map<String, List<ActiveHealthChecks.Watch>> healthWatches = new HashMap<>();
  /** Per host, how many of the cluster's checks it fails now. Guarded by {@code this}. */
  private final Map<String, Integer> failingChecks = new HashMap<>();

  /** Brings the state up to date with the cluster as the current snapshot has it. */
  ClusterResilience refresh(ClusterEntry entry) {
    if (entry == lastEntry) {
      return this;
    }
    synchronized (this) { // once per config change
      ClusterPolicies p = entry.cluster().resilience();
      OutlierDetection od = p.outlierDetection();
      int hosts = entry.balancing().hosts().size();
      if (od == null) {
        if (outlier != null) {
          prioritySet.clear(HealthFlag.FAILED_OUTLIER_CHECK);
        }
        outlier = null;
      } else if (outlier == null) {
        OutlierDetector d = new OutlierDetector(od, System::nanoTime,
            (hostPort, ejected) -> {
              if (ejected) {
                ejectionsEnforced.incrementAndGet();
              }
              prioritySet.set(hostPort, HealthFlag.FAILED_OUTLIER_CHECK, ejected);
            });
        d.update(od, hosts);
        outlier = d;
      } else {
        outlier.update(od, hosts);
      }
      if (entry.cluster().type() != Cluster.DiscoveryType.AGGREGATE) {
        // an aggregate cluster shares its child's balancer; the child's own state keeps its health
        prioritySet.attach(entry.balancing());
        watchHealth(entry.cluster().name(), p.healthChecks(), entry.balancing().hosts());
      }
      lastEntry = entry;
    }
    return this;
  }

  /**
   * Runs the cluster's active health checks on its current hosts: watches new hosts, stops watching
   * hosts that left (clearing their flag), and starts over when the checks changed.
   */
  private void watchHealth(String cluster, List<HealthCheck> checks, List<UpstreamHost> hosts) {
    if (!checks.equals(healthChecks)) {
      closeHealthWatches();
      healthChecks = checks;
    }
    if (checks.isEmpty()) {
      return;
    }
    Set<String> current = new HashSet<>();
    for (UpstreamHost h : hosts) {
      String hostPort = h.endpoint().hostPort();
      if (!current.add(hostPort) || healthWatches.containsKey(hostPort)) {
        continue;
      }
      List<ActiveHealthChecks.Watch> watches = new ArrayList<>(checks.size());
      healthWatches.put(hostPort, watches);
      for (HealthCheck c : checks) {
        watches.add(ActiveHealthChecks.watch(cluster, c, h.endpoint().address(), h.endpoint().port(),
            () -> hadTraffic, unhealthy -> onActiveCheck(hostPort, unhealthy)));
      }
    }
    for (var it = healthWatches.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!current.contains(e.getKey())) {
        e.getValue().forEach(ActiveHealthChecks.Watch::close);
        it.remove();
        failingChecks.remove(e.getKey());
        prioritySet.set(e.getKey(), HealthFlag.FAILED_ACTIVE_HC, false);
      }
    }
  }

  /** One check's verdict on a host: the host is {@code FAILED_ACTIVE_HC} while any check fails it. */
  private synchronized void onActiveCheck(String hostPort, boolean unhealthy) {
    if (!healthWatches.containsKey(hostPort)) {
      return; // a verdict that arrived after the host left
    }
    int failing = failingChecks.getOrDefault(hostPort, 0) + (unhealthy ? 1 : -1);
    if (failing <= 0) {
      failingChecks.remove(hostPort);
    } else {
      failingChecks.put(hostPort, failing);
    }
    prioritySet.set(hostPort, HealthFlag.FAILED_ACTIVE_HC, failing > 0);
  }

  private void closeHealthWatches() {
    healthWatches.values().forEach(ws -> ws.forEach(ActiveHealthChecks.Watch::close));
    healthWatches.clear();
    failingChecks.clear();
    prioritySet.clear(HealthFlag.FAILED_ACTIVE_HC);
  }

  /**
   * Stops this client's watches of the cluster's hosts (probers end with their last watcher): the
   * client is closing, or the cluster left the configuration; a later entry of the cluster starts
   * them again.
   */
  synchronized void close() {
    closeHealthWatches();
    healthChecks = List.of();
    lastEntry = null;
  }

  /** The circuit breaker counters. */
  public ClusterCircuitBreaker circuitBreaker() {
    return circuitBreaker;
  }

  /** Hosts ejected now (Envoy's {@code outlier_detection.ejections_active}). */
  public int outlierEjectionsActive() {
    OutlierDetector d = outlier;
    return d == null ? 0 : d.ejectedHosts();
  }

  /** Ejections so far, of any outlier type (Envoy's {@code outlier_detection.ejections_enforced_total}). */
  public long outlierEjectionsEnforced() {
    return ejectionsEnforced.get();
  }

  /** The outlier detector, or {@code null} when the cluster has no outlier detection. */
  public OutlierDetector outlier() {
    return outlier;
  }

  /** The cluster's hosts with their health (EDS status, outlier ejection). */
  public PrioritySet prioritySet() {
    return prioritySet;
  }

  /**
   * Picks a host for one attempt from the hosts the cluster's priority set holds available
   * (ejected hosts are out of it unless their priority is in panic); with the
   * {@code previous_hosts} predicate a host already tried is re-picked up to
   * {@code selectionAttempts} times. While a host is ejected, an outlier sweep that is due runs
   * first, so an ejection ends even when no call reaches the cluster's hosts.
   *
   * @param balancer picks one host per call (the cluster's load balancer)
   * @param hostCount hosts in the cluster (not needed since ejected hosts left the host set; kept
   *     so that callers need no change)
   * @param tried hosts already tried in this call ({@code null} entries ignored), or {@code null}
   * @param selectionAttempts {@code host_selection_retry_max_attempts}, 0 without the predicate
   * @return the host, or {@code null} when no host is available: the caller answers 503 with
   *     response flag {@code UH} ({@code no healthy upstream})
   */
  public UpstreamHost pick(
      io.bowline.runtime.upstream.lb.LoadBalancer balancer, int hostCount, UpstreamHost[] tried, long selectionAttempts) {
    return pick(balancer, io.bowline.runtime.upstream.lb.LoadBalancer.NO_HASH, hostCount, tried, selectionAttempts);
  }

  /**
   * As {@link #pick(io.bowline.runtime.upstream.lb.LoadBalancer, int, UpstreamHost[], long)}, with the
   * request hash for consistent-hash balancers ({@code LoadBalancer.NO_HASH} for none).
   */
  public UpstreamHost pick(
      io.bowline.runtime.upstream.lb.LoadBalancer balancer, long hash, int hostCount, UpstreamHost[] tried,
      long selectionAttempts) {
    if (!hadTraffic) {
      hadTraffic = true; // written once
    }
    OutlierDetector od = outlier;
    if (od != null && prioritySet.anyFlagged()) {
      od.maybeSweep(); // lifts ejections whose time is up before this pick
    }
    long predicateRetries = tried == null ? 0 : selectionAttempts;
    while (true) {
      UpstreamHost h = balancer.pick(hash);
      if (h == null) {
        return null;
      }
      if (predicateRetries > 0 && contains(tried, h)) {
        predicateRetries--;
        continue;
      }
      return h;
    }
  }

  private static boolean contains(UpstreamHost[] tried, UpstreamHost h) {
    for (UpstreamHost t : tried) {
      if (t != null && (t == h || t.endpoint().equals(h.endpoint()))) {
        return true;
      }
    }
    return false;
  }
}
