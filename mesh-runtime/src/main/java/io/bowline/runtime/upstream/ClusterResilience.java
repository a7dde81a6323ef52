package io.bowline.runtime.upstream;

import io.bowline.api.config.Cluster;
import io.bowline.api.config.ClusterPolicies;
import io.bowline.api.config.OutlierDetection;
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
  private volatile ClusterEntry lastEntry;

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
            (hostPort, ejected) -> prioritySet.set(hostPort, HealthFlag.FAILED_OUTLIER_CHECK, ejected));
        d.update(od, hosts);
        outlier = d;
      } else {
        outlier.update(od, hosts);
      }
      if (entry.cluster().type() != Cluster.DiscoveryType.AGGREGATE) {
        // an aggregate cluster shares its child's balancer; the child's own state keeps its health
        prioritySet.attach(entry.balancing());
      }
      lastEntry = entry;
    }
    return this;
  }

  /** The circuit breaker counters. */
  public ClusterCircuitBreaker circuitBreaker() {
    return circuitBreaker;
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
