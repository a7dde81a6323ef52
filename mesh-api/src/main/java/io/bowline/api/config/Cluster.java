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
 * @param loadAssignment {@code load_assignment} for STATIC clusters, and for LOGICAL_DNS / STRICT_DNS
 *     clusters (where endpoint addresses are host names to resolve); else {@code null}
 * @param lbConfig the policy's settings, panic threshold and locality weighting
 * @param resilience {@code circuit_breakers} and {@code outlier_detection}
 * @param options DNS refresh rate, aggregate children and SDS secret names, or {@code null} when
 *     the cluster has none of them
 */
public record Cluster(
    String name,
    DiscoveryType type,
    String edsServiceName,
    LbPolicy lbPolicy,
    ClusterLoadAssignment loadAssignment,
    LbConfig lbConfig,
    ClusterPolicies resilience,
    ClusterOptions options) {
  /**
   * A cluster with Envoy's default load-balancer settings, circuit breakers and no outlier detection.
   *
   * @param name e.g. {@code outbound|9080|v1|reviews.default.svc.cluster.local}
   * @param type {@code type} (service discovery)
   * @param edsServiceName {@code eds_cluster_config.service_name}, or the cluster name when unset; {@code
   *     null} unless {@code type} is {@link DiscoveryType#EDS}
   * @param lbPolicy {@code lb_policy}
   * @param loadAssignment {@code load_assignment} for STATIC clusters, and for LOGICAL_DNS / STRICT_DNS
   *     clusters (where endpoint addresses are host names to resolve); else {@code null}
   */
  public Cluster(
      String name, DiscoveryType type, String edsServiceName, LbPolicy lbPolicy, ClusterLoadAssignment loadAssignment) {
    this(name, type, edsServiceName, lbPolicy, loadAssignment, LbConfig.DEFAULT, ClusterPolicies.ENVOY_DEFAULT,
        (ClusterOptions) null);
  }

  /**
   * A cluster with these load-balancer settings and Envoy's default resilience policies.
   *
   * @param name e.g. {@code outbound|9080|v1|reviews.default.svc.cluster.local}
   * @param type {@code type} (service discovery)
   * @param edsServiceName {@code eds_cluster_config.service_name}, or the cluster name when unset; {@code
   *     null} unless {@code type} is {@link DiscoveryType#EDS}
   * @param lbPolicy {@code lb_policy}
   * @param loadAssignment {@code load_assignment} for STATIC clusters, and for LOGICAL_DNS / STRICT_DNS
   *     clusters (where endpoint addresses are host names to resolve); else {@code null}
   * @param lbConfig the policy's settings, panic threshold and locality weighting
   */
  public Cluster(
      String name, DiscoveryType type, String edsServiceName, LbPolicy lbPolicy, ClusterLoadAssignment loadAssignment,
      LbConfig lbConfig) {
    this(name, type, edsServiceName, lbPolicy, loadAssignment, lbConfig, ClusterPolicies.ENVOY_DEFAULT, null);
  }

  /**
   * A cluster with these resilience policies and Envoy's default load-balancer settings.
   *
   * @param name e.g. {@code outbound|9080|v1|reviews.default.svc.cluster.local}
   * @param type {@code type} (service discovery)
   * @param edsServiceName {@code eds_cluster_config.service_name}, or the cluster name when unset; {@code
   *     null} unless {@code type} is {@link DiscoveryType#EDS}
   * @param lbPolicy {@code lb_policy}
   * @param loadAssignment {@code load_assignment} for STATIC clusters, and for LOGICAL_DNS / STRICT_DNS
   *     clusters (where endpoint addresses are host names to resolve); else {@code null}
   * @param resilience {@code circuit_breakers} and {@code outlier_detection}
   */
  public Cluster(
      String name, DiscoveryType type, String edsServiceName, LbPolicy lbPolicy, ClusterLoadAssignment loadAssignment,
      ClusterPolicies resilience) {
    this(name, type, edsServiceName, lbPolicy, loadAssignment, LbConfig.DEFAULT, resilience, null);
  }

  /**
   * A cluster with these options and Envoy's default load-balancer and resilience settings.
   *
   * @param name e.g. {@code outbound|9080|v1|reviews.default.svc.cluster.local}
   * @param type {@code type} (service discovery)
   * @param edsServiceName {@code eds_cluster_config.service_name}, or the cluster name when unset; {@code
   *     null} unless {@code type} is {@link DiscoveryType#EDS}
   * @param lbPolicy {@code lb_policy}
   * @param loadAssignment {@code load_assignment} for STATIC clusters, and for LOGICAL_DNS / STRICT_DNS
   *     clusters (where endpoint addresses are host names to resolve); else {@code null}
   * @param options DNS refresh rate, aggregate children and SDS secret names, or {@code null} when the
   *     cluster has none of them
   */
  public Cluster(
      String name, DiscoveryType type, String edsServiceName, LbPolicy lbPolicy, ClusterLoadAssignment loadAssignment,
      ClusterOptions options) {
    this(name, type, edsServiceName, lbPolicy, loadAssignment, LbConfig.DEFAULT, ClusterPolicies.ENVOY_DEFAULT,
        options);
  }

  /**
   * Checks the components.
   *
   * @param name e.g. {@code outbound|9080|v1|reviews.default.svc.cluster.local}
   * @param type {@code type} (service discovery)
   * @param edsServiceName {@code eds_cluster_config.service_name}, or the cluster name when unset; {@code
   *     null} unless {@code type} is {@link DiscoveryType#EDS}
   * @param lbPolicy {@code lb_policy}
   * @param loadAssignment {@code load_assignment} for STATIC clusters, and for LOGICAL_DNS / STRICT_DNS
   *     clusters (where endpoint addresses are host names to resolve); else {@code null}
   * @param lbConfig the policy's settings, panic threshold and locality weighting
   * @param resilience {@code circuit_breakers} and {@code outlier_detection}
   * @param options DNS refresh rate, aggregate children and SDS secret names, or {@code null} when the
   *     cluster has none of them
   * @throws NullPointerException if a required component is {@code null}
   * @throws IllegalArgumentException if a component is outside the range its description gives
   */
  public Cluster {
    Objects.requireNonNull(lbConfig, "lbConfig");
    Objects.requireNonNull(resilience, "resilience");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(lbPolicy, "lbPolicy");
    if (type == DiscoveryType.EDS && edsServiceName == null) {
      throw new IllegalArgumentException("cluster " + name + ": EDS needs a service name");
    }
    if ((type == DiscoveryType.STATIC || type.isDns()) && loadAssignment == null) {
      throw new IllegalArgumentException("cluster " + name + ": " + type + " needs load_assignment");
    }
    if (type == DiscoveryType.AGGREGATE && (options == null || options.aggregateClusters().isEmpty())) {
      throw new IllegalArgumentException("cluster " + name + ": AGGREGATE needs child clusters");
    }
  }

  /**
   * The options, never {@code null} ({@link ClusterOptions#NONE} when unset).
   *
   * @return the options
   */
  public ClusterOptions optionsOrNone() {
    return options == null ? ClusterOptions.NONE : options;
  }

  /**
   * {@code Cluster.DiscoveryType} values the runtime implements, plus {@link #AGGREGATE} for the
   * {@code cluster_type} extension {@code envoy.clusters.aggregate}.
   */
  public enum DiscoveryType {
    /** Endpoints listed in the cluster's {@code load_assignment}. */
    STATIC,
    /** Endpoints from EDS, by {@code eds_cluster_config.service_name} or the cluster name. */
    EDS,
    /** Host names resolved periodically; only the first address is used. */
    LOGICAL_DNS,
    /** Host names resolved periodically; every address of every host is an endpoint. */
    STRICT_DNS,
    /** {@code envoy.clusters.aggregate}: a list of child clusters tried in order. */
    AGGREGATE;

    /**
     * Whether endpoints come from resolving host names (LOGICAL_DNS, STRICT_DNS).
     *
     * @return {@code true} for LOGICAL_DNS and STRICT_DNS
     */
    public boolean isDns() {
      return this == LOGICAL_DNS || this == STRICT_DNS;
    }
  }
}
