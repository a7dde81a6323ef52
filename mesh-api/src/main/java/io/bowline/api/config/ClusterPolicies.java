package io.bowline.api.config;

import java.util.List;
import java.util.Objects;

/**
 * A cluster's resilience settings: Envoy {@code Cluster.circuit_breakers},
 * {@code Cluster.outlier_detection} and {@code Cluster.health_checks}.
 *
 * @param circuitBreakers the DEFAULT-priority thresholds (Envoy defaults when unset)
 * @param outlierDetection outlier detection, or {@code null} when the cluster has none (off)
 * @param healthChecks the active health checks, empty for none
 */
public record ClusterPolicies(CircuitBreakers circuitBreakers, OutlierDetection outlierDetection,
    List<HealthCheck> healthChecks) {
  /** No {@code circuit_breakers}, no {@code outlier_detection}, no {@code health_checks}. */
  public static final ClusterPolicies ENVOY_DEFAULT = new ClusterPolicies(CircuitBreakers.ENVOY_DEFAULT, null);

  /**
   * Settings without active health checks.
   *
   * @param circuitBreakers the DEFAULT-priority thresholds (Envoy defaults when unset)
   * @param outlierDetection outlier detection, or {@code null} when the cluster has none (off)
   * @throws NullPointerException if a required component is {@code null}
   */
  public ClusterPolicies(CircuitBreakers circuitBreakers, OutlierDetection outlierDetection) {
    this(circuitBreakers, outlierDetection, List.of());
  }

  /**
   * Checks the components.
   *
   * @param circuitBreakers the DEFAULT-priority thresholds (Envoy defaults when unset)
   * @param outlierDetection outlier detection, or {@code null} when the cluster has none (off)
   * @param healthChecks the active health checks, empty for none
   * @throws NullPointerException if a required component is {@code null}
   */
  public ClusterPolicies {
    Objects.requireNonNull(circuitBreakers, "circuitBreakers");
    healthChecks = List.copyOf(healthChecks);
  }
}
