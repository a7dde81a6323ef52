package io.bowline.controlplane.istio;

import java.util.Optional;

/**
 * One {@code trafficPolicy.portLevelSettings[]} entry of a DestinationRule or subset. For clusters of its port
 * it replaces the load balancer, connection pool and outlier detection of the policy it belongs to as a whole:
 * what it leaves unset falls back to Istio's defaults, not to the enclosing policy (istiod's
 * {@code MergeTrafficPolicy}).
 *
 * @param port {@code port.number}
 * @param loadBalancer {@code loadBalancer}, or empty
 * @param resilience {@code connectionPool} and {@code outlierDetection}
 * @param tls {@code tls}, or empty (no TLS for the port, as the entry replaces the enclosing policy)
 */
public record PortTrafficPolicy(int port, Optional<LoadBalancerSettings> loadBalancer, TrafficResilience resilience,
    Optional<ClientTlsSettings> tls) {

  /** An entry without TLS settings. */
  public PortTrafficPolicy(int port, Optional<LoadBalancerSettings> loadBalancer, TrafficResilience resilience) {
    this(port, loadBalancer, resilience, Optional.empty());
  }
}
