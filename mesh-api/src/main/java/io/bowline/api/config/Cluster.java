package io.bowline.api.config;

import java.util.Objects;

/**
 * Envoy {@code config.cluster.v3.Cluster}, the fields the runtime uses.
 *
 * @param name e.g. {@code outbound|9080|v1|reviews.default.svc.cluster.local}
 * @param type {@code type} (service discovery)
 * @param edsServiceName {@code eds_cluster_config.service_name}, or the cluster name when unset;
 *     {@code null} unless {@code type} is {@link DiscoveryType#EDS}
 * @param lbPolicy {@code lb_policy}
 * @param loadAssignment {@code load_assignment} for STATIC clusters, else {@code null}
 * @param lbConfig the policy's settings, panic threshold and locality weighting
 * @param resilience {@code circuit_breakers} and {@code outlier_detection}
 */
public record Cluster(
    String name,
    DiscoveryType type,
    String edsServiceName,
    LbPolicy lbPolicy,
    ClusterLoadAssignment loadAssignment,
    LbConfig lbConfig,
    ClusterPolicies resilience) {
  /** A cluster with Envoy's default load-balancer settings, circuit breakers and no outlier detection. */
  public Cluster(
      String name, DiscoveryType type, String edsServiceName, LbPolicy lbPolicy, ClusterLoadAssignment loadAssignment) {
    this(name, type, edsServiceName, lbPolicy, loadAssignment, LbConfig.DEFAULT, ClusterPolicies.ENVOY_DEFAULT);
  }

  /** A cluster with these load-balancer settings and Envoy's default resilience policies. */
  public Cluster(
      String name, DiscoveryType type, String edsServiceName, LbPolicy lbPolicy, ClusterLoadAssignment loadAssignment,
      LbConfig lbConfig) {
    this(name, type, edsServiceName, lbPolicy, loadAssignment, lbConfig, ClusterPolicies.ENVOY_DEFAULT);
  }

  /** A cluster with these resilience policies and Envoy's default load-balancer settings. */
  public Cluster(
      String name, DiscoveryType type, String edsServiceName, LbPolicy lbPolicy, ClusterLoadAssignment loadAssignment,
      ClusterPolicies resilience) {
    this(name, type, edsServiceName, lbPolicy, loadAssignment, LbConfig.DEFAULT, resilience);
  }

  public Cluster {
    Objects.requireNonNull(lbConfig, "lbConfig");
    Objects.requireNonNull(resilience, "resilience");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(lbPolicy, "lbPolicy");
    if (type == DiscoveryType.EDS && edsServiceName == null) {
      throw new IllegalArgumentException("cluster " + name + ": EDS needs a service name");
    }
    if (type == DiscoveryType.STATIC && loadAssignment == null) {
      throw new IllegalArgumentException("cluster " + name + ": STATIC needs load_assignment");
    }
  }

  /** {@code Cluster.DiscoveryType} values the runtime implements. */
  public enum DiscoveryType {
    STATIC,
    EDS
  }
}
