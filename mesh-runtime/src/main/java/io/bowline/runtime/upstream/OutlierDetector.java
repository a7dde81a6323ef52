package io.bowline.runtime.upstream;

import io.bowline.api.config.OutlierDetection;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Envoy outlier detection ({@code config.cluster.v3.OutlierDetection}) for one cluster.
 *
 * <p>Consecutive counters ({@code consecutive_5xx}, {@code consecutive_gateway_failure},
 * {@code consecutive_local_origin_failure} in split mode) are checked inline on every result; a
 * success resets them. Every {@code interval} a sweep (run lazily by the first call, record or
 * host pick that notices the interval passed, no timer thread) un-ejects hosts whose time is up
 * (resetting their consecutive counters), decrements the multiplier of hosts neither ejected nor
 * un-ejected within the last interval, and applies success-rate and failure-percentage ejection.
 * Ejection lasts {@code base_ejection_time × multiplier}, capped at {@code max(max_ejection_time,
 * base_ejection_time)} (the multiplier stops growing once past the cap), and is skipped when
 * ejected hosts would exceed {@code max_ejection_percent} of the cluster's hosts. A host stays
 * ejected until a sweep lifts it. Each ejection and un-ejection is reported to the
 * {@link ChangedStateCallback} (Envoy's {@code addChangedStateCb}), which marks the host
 * {@code FAILED_OUTLIER_CHECK} in the cluster's priority set, so load balancing, priority load,
 * panic and locality failover see it. State is per {@code host:port} and survives config updates.
 * All counters are atomics; no locks on the data path.
 */
public final class OutlierDetector {
  private final ConcurrentHashMap<String, HostOutlierState> hosts = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<UpstreamHost, HostOutlierState> byInstance = new ConcurrentHashMap<>();
  private final AtomicInteger ejectedCount = new AtomicInteger();
  private final AtomicLong nextSweepNanos;
  private final AtomicLong ejections = new AtomicLong();
  private final LongSupplier clock;
  private final ChangedStateCallback changedState;
  private volatile OutlierDetection config;
  private volatile int clusterSize = 1;

  /**
   * Told when a host is ejected or un-ejected; runs on the thread that recorded the result or ran
   * the sweep, after the detector's own state changed, with no detector lock held.
   */
  @FunctionalInterface
  public interface ChangedStateCallback {
    /**
     * @param hostPort the host's {@code address:port}
     * @param ejected {@code true} when ejected, {@code false} when un-ejected
     */
    void onChange(String hostPort, boolean ejected);
  }

  /** A detector whose ejections are only visible through {@link #isEjected(UpstreamHost)}. */
  public OutlierDetector(OutlierDetection config, LongSupplier clock) {
    this(config, clock, (hostPort, ejected) -> { });
  }

  /**
   * @param config the cluster's {@code outlier_detection}
   * @param clock nanosecond clock ({@code System::nanoTime} in production)
   * @param changedState told of each ejection and un-ejection
   */
  public OutlierDetector(OutlierDetection config, LongSupplier clock, ChangedStateCallback changedState) {
    this.config = config;
    this.clock = clock;
    this.changedState = changedState;
    this.nextSweepNanos = new AtomicLong(clock.getAsLong() + config.interval().toNanos());
  }

  /** Applies a new config (from a CDS update) and the cluster's current host count. */
  public void update(OutlierDetection newConfig, int hostCount) {
    this.config = newConfig;
    this.clusterSize = Math.max(1, hostCount);
  }

  /** The current config. */
  public OutlierDetection config() {
    return config;
  }

  private HostOutlierState state(UpstreamHost host) {
    HostOutlierState s = byInstance.get(host);
    if (s == null) {
      s = hosts.computeIfAbsent(host.endpoint().hostPort(), HostOutlierState::new);
      if (byInstance.size() > 4 * Math.max(16, hosts.size())) {
        byInstance.clear();
      }
      byInstance.put(host, s);
    }
    return s;
  }

  /**
   * Whether the host is ejected now: from its ejection until the sweep after its time is up (a
   * sweep that is due runs first). The clock is read only while some host is ejected.
   */
  public boolean isEjected(UpstreamHost host) {
    if (ejectedCount.get() == 0) {
      return false; // the common case: one volatile read, no map lookup
    }
    maybeSweep(clock.getAsLong());
    HostOutlierState s = byInstance.get(host);
    if (s == null) {
      s = hosts.get(host.endpoint().hostPort());
    }
    return s != null && s.ejected();
  }

  /** Records the result of one attempt to {@code host}. */
  public void record(UpstreamHost host, Outcome outcome) {
    if (outcome.isResponse()) {
      recordStatus(host, outcome.httpStatus());
    } else {
      recordLocalOriginFailure(host);
    }
  }

  /** Records a response with HTTP status {@code status}. Allocation-free once the host is known. */
  public void recordStatus(UpstreamHost host, int status) {
    recordStatus(host, status, clock.getAsLong());
  }

  /** As {@link #recordStatus(UpstreamHost, int)}, with the caller's reading of the clock (ns). */
  public void recordStatus(UpstreamHost host, int status, long nowNanos) {
    maybeSweep(nowNanos);
    HostOutlierState s = state(host);
    OutlierDetection c = config;
    boolean statistical = c.enforcingSuccessRate() > 0 || c.enforcingFailurePercentage() > 0;
    if (statistical) {
      s.intervalRequests.incrementAndGet();
    }
    if (status < 500) {
      if (s.consecutive5xx.get() != 0) {
        s.consecutive5xx.set(0);
      }
      if (s.consecutiveGateway.get() != 0) {
        s.consecutiveGateway.set(0);
      }
      if (c.splitExternalLocalOriginErrors() && s.consecutiveLocal.get() != 0) {
        s.consecutiveLocal.set(0);
      }
      return;
    }
    if (statistical) {
      s.intervalFailures.incrementAndGet();
    }
    boolean gateway = status == 502 || status == 503 || status == 504;
    countExternal(s, c, gateway);
  }

  /** Records a connect failure, reset or timeout (a local-origin error). */
  public void recordLocalOriginFailure(UpstreamHost host) {
    recordLocalOriginFailure(host, clock.getAsLong());
  }

  /** As {@link #recordLocalOriginFailure(UpstreamHost)}, with the caller's reading of the clock (ns). */
  public void recordLocalOriginFailure(UpstreamHost host, long nowNanos) {
    maybeSweep(nowNanos);
    HostOutlierState s = state(host);
    OutlierDetection c = config;
    s.intervalRequests.incrementAndGet();
    s.intervalFailures.incrementAndGet();
    if (c.splitExternalLocalOriginErrors()) {
      int n = s.consecutiveLocal.incrementAndGet();
      if (n >= c.consecutiveLocalOriginFailure() && c.consecutiveLocalOriginFailure() > 0) {
        s.consecutiveLocal.set(0);
        tryEject(s, c.enforcingConsecutiveLocalOriginFailure());
      }
      return;
    }
    countExternal(s, c, true);
  }

  private void countExternal(HostOutlierState s, OutlierDetection c, boolean gateway) {
    int n5 = s.consecutive5xx.incrementAndGet();
    int ng = 0;
    if (gateway) {
      ng = s.consecutiveGateway.incrementAndGet();
    } else {
      s.consecutiveGateway.set(0);
    }
    if (c.consecutive5xx() > 0 && n5 >= c.consecutive5xx()) {
      s.consecutive5xx.set(0);
      tryEject(s, c.enforcingConsecutive5xx());
    } else if (gateway && c.consecutiveGatewayFailure() > 0 && ng >= c.consecutiveGatewayFailure()) {
      s.consecutiveGateway.set(0);
      tryEject(s, c.enforcingConsecutiveGatewayFailure());
    }
  }

  private boolean tryEject(HostOutlierState s, int enforcingPercent) {
    if (s.ejected() || !draw(enforcingPercent)) {
      return false;
    }
    OutlierDetection c = config;
    int max = (int) Math.floor(clusterSize * c.maxEjectionPercent() / 100.0);
    while (true) {
      int n = ejectedCount.get();
      if (n + 1 > max) {
        return false;
      }
      if (ejectedCount.compareAndSet(n, n + 1)) {
        break;
      }
    }
    synchronized (s) { // ejection is rare; the lock only orders the multiplier with the deadline
      if (s.ejected()) {
        ejectedCount.decrementAndGet();
        return false;
      }
      long base = c.baseEjectionTime().toNanos();
      long cap = Math.max(c.maxEjectionTime().toNanos(), base);
      int m = s.multiplier;
      if (m * base < cap + base) { // Envoy stops growing the multiplier once it is past the cap
        m++;
        s.multiplier = m;
      }
      long duration = Math.min(cap, base * m);
      s.ejectedUntilNanos = Math.max(1, clock.getAsLong() + duration);
    }
    ejections.incrementAndGet();
    changedState.onChange(s.hostPort, true);
    return true;
  }

  private static boolean draw(int percent) {
    return percent >= 100 || (percent > 0 && ThreadLocalRandom.current().nextInt(100) < percent);
  }

  /** Runs the interval sweep if it is due; one caller wins the CAS, the others return at once. */
  public void maybeSweep() {
    maybeSweep(clock.getAsLong());
  }

  private void maybeSweep(long now) {
    long due = nextSweepNanos.get();
    if (now - due < 0) {
      return;
    }
    if (!nextSweepNanos.compareAndSet(due, now + config.interval().toNanos())) {
      return;
    }
    sweep(now);
  }

  private void sweep(long now) {
    OutlierDetection c = config;
    long interval = c.interval().toNanos();
    List<HostOutlierState> eligible = new ArrayList<>();
    for (HostOutlierState s : hosts.values()) {
      boolean unejected = false;
      synchronized (s) {
        if (s.ejected()) {
          if (now - s.ejectedUntilNanos >= 0) {
            s.ejectedUntilNanos = 0;
            s.unejectedAtNanos = now;
            s.consecutive5xx.set(0);
            s.consecutiveGateway.set(0);
            s.consecutiveLocal.set(0);
            ejectedCount.decrementAndGet();
            unejected = true;
          }
        } else if (s.multiplier > 0 && now - s.unejectedAtNanos >= interval) {
          s.multiplier--;
        }
      }
      if (unejected) {
        changedState.onChange(s.hostPort, false);
      }
      long req = s.intervalRequests.getAndSet(0);
      long fail = s.intervalFailures.getAndSet(0);
      if (!s.ejected()) {
        s.lastIntervalRequests = req;
        s.lastIntervalFailures = fail;
        eligible.add(s);
      }
    }
    successRate(eligible, c);
    failurePercentage(eligible, c);
  }

  private void successRate(List<HostOutlierState> eligible, OutlierDetection c) {
    if (c.enforcingSuccessRate() == 0) {
      return;
    }
    List<HostOutlierState> withVolume = new ArrayList<>();
    for (HostOutlierState s : eligible) {
      if (s.lastIntervalRequests >= c.successRateRequestVolume()) {
        withVolume.add(s);
      }
    }
    if (withVolume.size() < c.successRateMinimumHosts() || withVolume.isEmpty()) {
      return;
    }
    double sum = 0;
    double[] rates = new double[withVolume.size()];
    for (int i = 0; i < rates.length; i++) {
      HostOutlierState st = withVolume.get(i);
      rates[i] = 100.0 * (st.lastIntervalRequests - st.lastIntervalFailures) / st.lastIntervalRequests;
      sum += rates[i];
    }
    double mean = sum / rates.length;
    double var = 0;
    for (double r : rates) {
      var += (r - mean) * (r - mean);
    }
    double stdev = Math.sqrt(var / rates.length);
    double threshold = mean - (c.successRateStdevFactor() / 1000.0) * stdev;
    for (int i = 0; i < rates.length; i++) {
      if (rates[i] < threshold) {
        tryEject(withVolume.get(i), c.enforcingSuccessRate());
      }
    }
  }

  private void failurePercentage(List<HostOutlierState> eligible, OutlierDetection c) {
    if (c.enforcingFailurePercentage() == 0) {
      return;
    }
    List<HostOutlierState> withVolume = new ArrayList<>();
    for (HostOutlierState s : eligible) {
      if (s.lastIntervalRequests >= c.failurePercentageRequestVolume()) {
        withVolume.add(s);
      }
    }
    if (withVolume.size() < c.failurePercentageMinimumHosts()) {
      return;
    }
    for (HostOutlierState s : withVolume) {
      if (100.0 * s.lastIntervalFailures / s.lastIntervalRequests >= c.failurePercentageThreshold()) {
        tryEject(s, c.enforcingFailurePercentage());
      }
    }
  }

  /** Hosts ejected now. */
  public int ejectedHosts() {
    return ejectedCount.get();
  }

  /** Ejections so far (stat {@code outlier_detection.ejections_enforced_total}). */
  public long ejectionsTotal() {
    return ejections.get();
  }

  /** The multiplier (ejections in a row) of a host, 0 if unknown. */
  public int multiplier(String hostPort) {
    HostOutlierState s = hosts.get(hostPort);
    return s == null ? 0 : s.multiplier;
  }
}
