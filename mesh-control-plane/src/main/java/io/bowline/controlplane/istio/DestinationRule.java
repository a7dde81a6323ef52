package io.bowline.controlplane.istio;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An Istio {@code DestinationRule}: subsets and traffic policy of one host.
 *
 * @param ref where it came from
 * @param host {@code spec.host}, as written (resolved during translation)
 * @param loadBalancer {@code spec.trafficPolicy.loadBalancer}; empty when no load balancer is set
 * @param subsets {@code spec.subsets}
 * @param resilience {@code spec.trafficPolicy.connectionPool} and {@code outlierDetection}
 * @param portLevelSettings {@code spec.trafficPolicy.portLevelSettings}
 * @param tls {@code spec.trafficPolicy.tls}; empty when unset
 */
public record DestinationRule(
    ResourceRef ref, String host, Optional<LoadBalancerSettings> loadBalancer, List<Subset> subsets,
    TrafficResilience resilience, List<PortTrafficPolicy> portLevelSettings, Optional<ClientTlsSettings> tls) {

  /** A rule without TLS settings. */
  public DestinationRule(ResourceRef ref, String host, Optional<LoadBalancerSettings> loadBalancer,
      List<Subset> subsets, TrafficResilience resilience, List<PortTrafficPolicy> portLevelSettings) {
    this(ref, host, loadBalancer, subsets, resilience, portLevelSettings, Optional.empty());
  }

  /** A rule without connection pool, outlier detection or port-level settings. */
  public DestinationRule(ResourceRef ref, String host, Optional<LoadBalancerSettings> loadBalancer, List<Subset> subsets) {
    this(ref, host, loadBalancer, subsets, TrafficResilience.NONE, List.of());
  }

  /**
   * One {@code spec.subsets[]} entry.
   *
   * @param name {@code name}, used in cluster names {@code outbound|port|name|host}
   * @param labels {@code labels} an endpoint must all carry to belong to the subset
   * @param loadBalancer {@code trafficPolicy.loadBalancer} of the subset; empty to inherit the rule's
   * @param resilience the subset's {@code trafficPolicy.connectionPool} / {@code outlierDetection}
   * @param portLevelSettings the subset's {@code trafficPolicy.portLevelSettings}
   * @param tls the subset's {@code trafficPolicy.tls}; empty to inherit the rule's
   */
  public record Subset(
      String name, Map<String, String> labels, Optional<LoadBalancerSettings> loadBalancer, TrafficResilience resilience,
      List<PortTrafficPolicy> portLevelSettings, Optional<ClientTlsSettings> tls) {

    /** A subset without TLS settings. */
    public Subset(String name, Map<String, String> labels, Optional<LoadBalancerSettings> loadBalancer,
        TrafficResilience resilience, List<PortTrafficPolicy> portLevelSettings) {
      this(name, labels, loadBalancer, resilience, portLevelSettings, Optional.empty());
    }

    /** A subset without connection pool, outlier detection or port-level settings. */
    public Subset(String name, Map<String, String> labels, Optional<LoadBalancerSettings> loadBalancer) {
      this(name, labels, loadBalancer, TrafficResilience.NONE, List.of());
    }

    /** Copies the labels and port-level settings so the record stays immutable. */
    public Subset {
      labels = Map.copyOf(labels);
      portLevelSettings = List.copyOf(portLevelSettings);
    }
  }

  /** Copies the subsets and port-level settings so the record stays immutable. */
  public DestinationRule {
    subsets = List.copyOf(subsets);
    portLevelSettings = List.copyOf(portLevelSettings);
  }
}
