package io.bowline.api.config;

import java.util.Objects;

/**
 * Envoy {@code config.endpoint.v3.LbEndpoint} with a socket address.
 *
 * @param address IP address or host name
 * @param port TCP port, 1–65535
 * @param weight {@code load_balancing_weight}, ≥ 1 (1 when unset)
 * @param health {@code health_status}
 * @param hostname the host's name for {@code RouteAction.auto_host_rewrite}: Envoy
 *     {@code config.endpoint.v3.Endpoint.hostname}, or for an endpoint a LOGICAL_DNS/STRICT_DNS
 *     cluster resolved, that field or else the DNS name it was resolved from (without port);
 *     {@code ""} when the endpoint has none
 * @param hashKey the {@code hash_key} string in the {@code LbEndpoint.metadata} filter
 *     {@code envoy.lb}: when not empty, {@code RING_HASH} and {@code MAGLEV} place the host by it
 *     instead of its address or hostname; {@code ""} when absent
 * @param transportSocketMatch the string fields of the {@code LbEndpoint.metadata} filter
 *     {@code envoy.transport_socket_match}, which select the cluster's {@code transport_socket_matches} entry
 *     (Istio auto-mTLS: {@code tlsMode: istio}); empty when absent
 * @param workload the workload behind it, from the {@code LbEndpoint.metadata} filter {@code istio};
 *     {@link WorkloadMetadata#NONE} when absent
 */
public record Endpoint(String address, int port, int weight, HealthStatus health, String hostname, String hashKey,
    java.util.Map<String, String> transportSocketMatch, WorkloadMetadata workload) {
  /**
   * Checks the components.
   *
   * @param address IP address or host name
   * @param port TCP port, 1–65535
   * @param weight {@code load_balancing_weight}, ≥ 1 (1 when unset)
   * @param health {@code health_status}
   * @param hostname the host's name for {@code RouteAction.auto_host_rewrite}: Envoy {@code
   *     config.endpoint.v3.Endpoint.hostname}, or for an endpoint a LOGICAL_DNS/STRICT_DNS cluster resolved, that
   *     field or else the DNS name it was resolved from (without port); {@code ""} when the endpoint has none
   * @param hashKey the {@code hash_key} string in the {@code LbEndpoint.metadata} filter {@code envoy.lb}:
   *     when not empty, {@code RING_HASH} and {@code MAGLEV} place the host by it instead of its address or
   *     hostname; {@code ""} when absent
   * @param transportSocketMatch the string fields of the {@code envoy.transport_socket_match} metadata filter
   * @param workload the workload behind it ({@code null}: {@link WorkloadMetadata#NONE})
   * @throws NullPointerException if a required component is {@code null}
   * @throws IllegalArgumentException if a component is outside the range its description gives
   */
  public Endpoint {
    transportSocketMatch = java.util.Map.copyOf(transportSocketMatch);
    workload = workload == null ? WorkloadMetadata.NONE : workload;
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(health, "health");
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(hashKey, "hashKey");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("endpoint " + address + ": port out of range: " + port);
    }
    if (weight < 1) {
      throw new IllegalArgumentException("endpoint " + address + ":" + port + ": weight must be >= 1");
    }
  }

  /**
   * An endpoint without {@code istio} workload metadata.
   *
   * @param address IP address or host name
   * @param port TCP port, 1–65535
   * @param weight {@code load_balancing_weight}, ≥ 1 (1 when unset)
   * @param health {@code health_status}
   * @param hostname the host's name for {@code RouteAction.auto_host_rewrite}, or {@code ""}
   * @param hashKey the {@code envoy.lb} {@code hash_key}, or {@code ""}
   * @param transportSocketMatch the string fields of the {@code envoy.transport_socket_match} metadata filter
   */
  public Endpoint(String address, int port, int weight, HealthStatus health, String hostname, String hashKey,
      java.util.Map<String, String> transportSocketMatch) {
    this(address, port, weight, health, hostname, hashKey, transportSocketMatch, WorkloadMetadata.NONE);
  }

  /**
   * An endpoint without {@code envoy.transport_socket_match} metadata.
   *
   * @param address IP address or host name
   * @param port TCP port, 1–65535
   * @param weight {@code load_balancing_weight}, ≥ 1 (1 when unset)
   * @param health {@code health_status}
   * @param hostname the host's name for {@code RouteAction.auto_host_rewrite}, or {@code ""}
   * @param hashKey the {@code envoy.lb} {@code hash_key}, or {@code ""}
   */
  public Endpoint(String address, int port, int weight, HealthStatus health, String hostname, String hashKey) {
    this(address, port, weight, health, hostname, hashKey, java.util.Map.of());
  }

  /**
   * An endpoint without an {@code envoy.lb} hash key.
   *
   * @param address IP address or host name
   * @param port TCP port, 1–65535
   * @param weight {@code load_balancing_weight}, ≥ 1 (1 when unset)
   * @param health {@code health_status}
   * @param hostname the host's name for {@code RouteAction.auto_host_rewrite}: Envoy {@code
   *     config.endpoint.v3.Endpoint.hostname}, or for an endpoint a LOGICAL_DNS/STRICT_DNS cluster resolved, that
   *     field or else the DNS name it was resolved from (without port); {@code ""} when the endpoint has none
   */
  public Endpoint(String address, int port, int weight, HealthStatus health, String hostname) {
    this(address, port, weight, health, hostname, "");
  }

  /**
   * An endpoint without a host name.
   *
   * @param address IP address or host name
   * @param port TCP port, 1–65535
   * @param weight {@code load_balancing_weight}, ≥ 1 (1 when unset)
   * @param health {@code health_status}
   */
  public Endpoint(String address, int port, int weight, HealthStatus health) {
    this(address, port, weight, health, "");
  }

  /**
   * {@code address:port}.
   *
   * @return e.g. {@code 10.0.0.7:9080}
   */
  public String hostPort() {
    return address.indexOf(':') >= 0 ? "[" + address + "]:" + port : address + ":" + port;
  }

  /** Envoy {@code config.core.v3.HealthStatus}. */
  public enum HealthStatus {
    /** No health information; routable. */
    UNKNOWN,
    /** Healthy; routable. */
    HEALTHY,
    /** Unhealthy; not routable. */
    UNHEALTHY,
    /** Draining connections; not routable. */
    DRAINING,
    /** Health check timed out; not routable. */
    TIMEOUT,
    /** Degraded; not routable (Bowline has no degraded-host tier). */
    DEGRADED;

    /**
     * Whether the load balancer may pick a host in this state: HEALTHY and UNKNOWN.
     *
     * @return {@code true} for HEALTHY and UNKNOWN
     */
    public boolean isHealthy() {
      return this == UNKNOWN || this == HEALTHY;
    }
  }
}
