package io.bowline.runtime.upstream;

/**
 * Why a host is not fully healthy: Envoy's {@code Host::HealthFlag}. A host carries any number of
 * them; {@link HostHealth#coarse()} folds them into what load balancing sees.
 */
public enum HealthFlag {
  /** EDS {@code health_status} is UNHEALTHY, DRAINING or TIMEOUT. */
  FAILED_EDS_HEALTH(true),
  /** EDS {@code health_status} is DEGRADED. */
  DEGRADED_EDS_HEALTH(false),
  /** Ejected by outlier detection ({@code config.cluster.v3.OutlierDetection}). */
  FAILED_OUTLIER_CHECK(true),
  /** Failed an active health check ({@code config.core.v3.HealthCheck}). */
  FAILED_ACTIVE_HC(true),
  /** An active health check answered with {@code x-envoy-degraded}. */
  DEGRADED_ACTIVE_HC(false);

  private final boolean failed;

  HealthFlag(boolean failed) {
    this.failed = failed;
  }

  /** The flag's bit in {@link HostHealth#flags()}. */
  public int bit() {
    return 1 << ordinal();
  }

  /** Whether the flag makes the host unhealthy (else it makes it degraded). */
  public boolean failed() {
    return failed;
  }
}
