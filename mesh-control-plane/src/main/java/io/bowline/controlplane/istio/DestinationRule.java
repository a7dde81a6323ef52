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
 */
public record DestinationRule(
    ResourceRef ref, String host, Optional<LoadBalancerSettings> loadBalancer, List<Subset> subsets,
    TrafficResilience resilience) {

  /** A rule without connection pool or outlier detection settings. */
  public DestinationRule(ResourceRef ref, String host, Optional<LoadBalancerSettings> loadBalancer, List<Subset> subsets) {
    this(ref, host, loadBalancer, subsets, TrafficResilience.NONE);
  }

  /**
   * One {@code spec.subsets[]} entry.
   *
   * @param name {@code name}, used in cluster names {@code outbound|port|name|host}
   * @param labels {@code labels} an endpoint must all carry to belong to the subset
   * @param loadBalancer {@code trafficPolicy.loadBalancer} of the subset; empty to inherit the rule's
   * @param resilience the subset's {@code trafficPolicy.connectionPool} / {@code outlierDetection}
   */
  public record Subset(
      String name, Map<String, String> labels, Optional<LoadBalancerSettings> loadBalancer, TrafficResilience resilience) {

    /** A subset without connection pool or outlier detection settings. */
    public Subset(String name, Map<String, String> labels, Optional<LoadBalancerSettings> loadBalancer) {
      this(name, labels, loadBalancer, TrafficResilience.NONE);
    }

    /** Copies the labels so the record stays immutable. */
    public Subset {
      labels = Map.copyOf(labels);
    }
  }

  /** Copies the subsets so the record stays immutable. */
  public DestinationRule {
    subsets = List.copyOf(subsets);
  }
}
