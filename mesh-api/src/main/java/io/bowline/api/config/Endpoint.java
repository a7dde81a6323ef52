package io.bowline.api.config;

import java.util.Objects;

/**
 * Envoy {@code config.endpoint.v3.LbEndpoint} with a socket address.
 *
 * @param address IP address or host name
 * @param port TCP port, 1–65535
 * @param weight {@code load_balancing_weight}, ≥ 1 (1 when unset)
 * @param health {@code health_status}
 */
public record Endpoint(String address, int port, int weight, HealthStatus health) {
  public Endpoint {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(health, "health");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("endpoint " + address + ": port out of range: " + port);
    }
    if (weight < 1) {
      throw new IllegalArgumentException("endpoint " + address + ":" + port + ": weight must be >= 1");
    }
  }

  /** {@code address:port}. */
  public String hostPort() {
    return address.indexOf(':') >= 0 ? "[" + address + "]:" + port : address + ":" + port;
  }

  /** Envoy {@code config.core.v3.HealthStatus}. */
  public enum HealthStatus {
    UNKNOWN,
    HEALTHY,
    UNHEALTHY,
    DRAINING,
    TIMEOUT,
    DEGRADED;

    /** Whether the load balancer may pick a host in this state: HEALTHY and UNKNOWN. */
    public boolean isHealthy() {
      return this == UNKNOWN || this == HEALTHY;
    }
  }
}
