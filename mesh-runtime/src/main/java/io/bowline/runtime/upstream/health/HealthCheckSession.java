package io.bowline.runtime.upstream.health;

import io.bowline.api.config.HealthCheck;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's active health check session for one host and one check: counts passes and failures in a
 * row and decides when the host becomes unhealthy ({@code unhealthy_threshold} failures, or at once
 * for an active failure: an HTTP status neither expected nor retriable, a gRPC {@code NOT_SERVING})
 * or healthy again ({@code healthy_threshold} passes), and how long to wait before the next probe.
 * A new host counts as healthy until its first probe, whose failure marks it unhealthy at once
 * (Envoy holds the cluster's first use until then; a client does not wait). Not thread-safe: one
 * prober drives it.
 */
public final class HealthCheckSession {
  /** What one probe found. */
  public enum Result {
    /** The host passed. */
    PASS,
    /** The host answered, wrongly: HTTP status not expected nor retriable, gRPC {@code NOT_SERVING}. */
    ACTIVE_FAILURE,
    /** No usable answer: connection refused or reset, timeout, retriable status. */
    NETWORK_FAILURE
  }

  /** How the host's health changed after a probe. */
  public enum Transition {
    /** No change. */
    UNCHANGED,
    /** The host is now unhealthy. */
    UNHEALTHY,
    /** The host is healthy again. */
    HEALTHY
  }

  private final HealthCheck check;
  private boolean unhealthy;
  private boolean firstProbe = true;
  private long passesInARow;
  private long failuresInARow;
  private Transition last = Transition.UNCHANGED;

  /**
   * A session for a host not yet probed.
   *
   * @param check the health check
   */
  public HealthCheckSession(HealthCheck check) {
    this.check = check;
  }

  /** Whether the host is marked unhealthy by this check. */
  public boolean unhealthy() {
    return unhealthy;
  }

  /**
   * Records one probe's result.
   *
   * @param r what the probe found
   * @return how the host's health changed
   */
  public Transition record(Result r) {
    boolean first = firstProbe;
    firstProbe = false;
    if (r == Result.PASS) {
      failuresInARow = 0;
      passesInARow++;
      last = unhealthy && passesInARow >= check.healthyThreshold() ? Transition.HEALTHY : Transition.UNCHANGED;
      if (last == Transition.HEALTHY) {
        unhealthy = false;
      }
      return last;
    }
    passesInARow = 0;
    failuresInARow++;
    last = !unhealthy && (first || r == Result.ACTIVE_FAILURE || failuresInARow >= check.unhealthyThreshold())
        ? Transition.UNHEALTHY : Transition.UNCHANGED;
    if (last == Transition.UNHEALTHY) {
      unhealthy = true;
    }
    return last;
  }

  /**
   * The wait before the next probe, as Envoy picks it: {@code no_traffic_interval} (for a healthy
   * host {@code no_traffic_healthy_interval}) while the cluster has had no traffic; else the edge interval right after a transition, {@code unhealthy_interval}
   * while unhealthy, {@code interval} otherwise; plus the jitter.
   *
   * @param clusterHadTraffic whether any request has gone to the cluster
   * @return the wait
   */
  public Duration nextInterval(boolean clusterHadTraffic) {
    Duration base;
    if (!clusterHadTraffic) {
      base = unhealthy ? check.noTrafficInterval() : check.noTrafficHealthyInterval();
    } else if (last == Transition.UNHEALTHY) {
      base = check.unhealthyEdgeInterval();
    } else if (last == Transition.HEALTHY) {
      base = check.healthyEdgeInterval();
    } else if (unhealthy) {
      base = check.unhealthyInterval();
    } else {
      base = check.interval();
    }
    long nanos = base.toNanos();
    long jitter = check.intervalJitter().toNanos() + nanos / 100 * check.intervalJitterPercent();
    return Duration.ofNanos(jitter > 0 ? nanos + ThreadLocalRandom.current().nextLong(jitter) : nanos);
  }
}
