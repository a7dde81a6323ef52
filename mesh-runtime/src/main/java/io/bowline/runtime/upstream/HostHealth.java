package io.bowline.runtime.upstream;

import io.bowline.api.config.Endpoint;

/**
 * A host's health as Envoy keeps it: a set of {@link HealthFlag}s, from the EDS
 * {@code health_status}, outlier detection and (later) active health checks. Immutable.
 *
 * @param flags the {@link HealthFlag#bit()}s that are set
 */
public record HostHealth(int flags) {
  /** No flag set: healthy. */
  public static final HostHealth HEALTHY = new HostHealth(0);

  /**
   * The flags an EDS {@code health_status} sets: UNHEALTHY, DRAINING and TIMEOUT set
   * {@link HealthFlag#FAILED_EDS_HEALTH}, DEGRADED sets {@link HealthFlag#DEGRADED_EDS_HEALTH},
   * HEALTHY and UNKNOWN none.
   */
  public static HostHealth fromEds(Endpoint.HealthStatus status) {
    switch (status) {
      case UNHEALTHY:
      case DRAINING:
      case TIMEOUT:
        return new HostHealth(HealthFlag.FAILED_EDS_HEALTH.bit());
      case DEGRADED:
        return new HostHealth(HealthFlag.DEGRADED_EDS_HEALTH.bit());
      default:
        return HEALTHY;
    }
  }

  /** Whether {@code flag} is set. */
  public boolean has(HealthFlag flag) {
    return (flags & flag.bit()) != 0;
  }

  /** This health with {@code flag} set ({@code on}) or cleared. */
  public HostHealth with(HealthFlag flag, boolean on) {
    int f = on ? flags | flag.bit() : flags & ~flag.bit();
    return f == flags ? this : new HostHealth(f);
  }

  /** This health with every flag of {@code other} set too. */
  public HostHealth union(HostHealth other) {
    return (flags | other.flags) == flags ? this : new HostHealth(flags | other.flags);
  }

  /**
   * What load balancing sees (Envoy's {@code coarseHealth()}): {@code UNHEALTHY} if any failure
   * flag is set, else {@code DEGRADED} if a degraded flag is, else {@code HEALTHY}.
   */
  public Endpoint.HealthStatus coarse() {
    if (flags == 0) {
      return Endpoint.HealthStatus.HEALTHY;
    }
    boolean degraded = false;
    for (HealthFlag f : HealthFlag.values()) {
      if (has(f)) {
        if (f.failed()) {
          return Endpoint.HealthStatus.UNHEALTHY;
        }
        degraded = true;
      }
    }
    return degraded ? Endpoint.HealthStatus.DEGRADED : Endpoint.HealthStatus.HEALTHY;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (HealthFlag f : HealthFlag.values()) {
      if (has(f)) {
        b.append(b.length() == 0 ? "" : "|").append(f);
      }
    }
    return b.length() == 0 ? "HEALTHY" : b.toString();
  }
}
