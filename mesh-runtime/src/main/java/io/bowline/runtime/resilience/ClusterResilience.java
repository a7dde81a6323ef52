package io.bowline.runtime.resilience;

import io.bowline.api.config.ClusterPolicies;
import io.bowline.api.config.OutlierDetection;
import io.bowline.runtime.lb.UpstreamHost;
import io.bowline.runtime.resilience.circuitbreaker.ClusterCircuitBreaker;
import io.bowline.runtime.resilience.outlier.OutlierDetector;
import io.bowline.runtime.snapshot.ClusterEntry;

/**
 * The live resilience state of one cluster, kept by name across config updates: its circuit
 * breaker counters and its outlier detector (present while the cluster has
 * {@code outlier_detection}). Host selection skips ejected hosts (the LB-side hook for §9).
 */
public final class ClusterResilience {
  private final ClusterCircuitBreaker circuitBreaker = new ClusterCircuitBreaker();
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
        outlier = null;
      } else if (outlier == null) {
        OutlierDetector d = new OutlierDetector(od, System::nanoTime);
        d.update(od, hosts);
        outlier = d;
      } else {
        outlier.update(od, hosts);
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

  /**
   * Picks a host for one attempt: ejected hosts are skipped (if every pick is ejected, the last
   * pick is used, as Envoy's panic mode would), and with the {@code previous_hosts} predicate a
   * host already tried is re-picked up to {@code selectionAttempts} times.
   *
   * @param balancer picks one host per call (the cluster's load balancer)
   * @param hostCount hosts in the cluster (bounds the re-picks for ejection)
   * @param tried hosts already tried in this call ({@code null} entries ignored), or {@code null}
   * @param selectionAttempts {@code host_selection_retry_max_attempts}, 0 without the predicate
   * @return the host, or {@code null} when the cluster has none
   */
  public UpstreamHost pick(
      io.bowline.runtime.lb.LoadBalancer balancer, int hostCount, UpstreamHost[] tried, long selectionAttempts) {
    return pick(balancer, io.bowline.runtime.lb.LoadBalancer.NO_HASH, hostCount, tried, selectionAttempts);
  }

  /**
   * As {@link #pick(io.bowline.runtime.lb.LoadBalancer, int, UpstreamHost[], long)}, with the
   * request hash for consistent-hash balancers ({@code LoadBalancer.NO_HASH} for none).
   */
  public UpstreamHost pick(
      io.bowline.runtime.lb.LoadBalancer balancer, long hash, int hostCount, UpstreamHost[] tried,
      long selectionAttempts) {
    OutlierDetector od = outlier;
    int ejectRetries = od == null ? 0 : 2 * hostCount + 2;
    long predicateRetries = tried == null ? 0 : selectionAttempts;
    while (true) {
      UpstreamHost h = balancer.pick(hash);
      if (h == null) {
        return null;
      }
      if (ejectRetries > 0 && od.isEjected(h)) {
        ejectRetries--;
        continue;
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
