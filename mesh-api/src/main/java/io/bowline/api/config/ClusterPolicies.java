package io.bowline.api.config;

import java.util.Objects;

/**
 * A cluster's resilience settings: Envoy {@code Cluster.circuit_breakers} and
 * {@code Cluster.outlier_detection}.
 *
 * @param circuitBreakers the DEFAULT-priority thresholds (Envoy defaults when unset)
 * @param outlierDetection outlier detection, or {@code null} when the cluster has none (off)
 */
public record ClusterPolicies(CircuitBreakers circuitBreakers, OutlierDetection outlierDetection) {
  /** No {@code circuit_breakers} and no {@code outlier_detection}. */
  public static final ClusterPolicies ENVOY_DEFAULT = new ClusterPolicies(CircuitBreakers.ENVOY_DEFAULT, null);

  /**
   * Checks the components.
   *
   * @param circuitBreakers the DEFAULT-priority thresholds (Envoy defaults when unset)
   * @param outlierDetection outlier detection, or {@code null} when the cluster has none (off)
   * @throws NullPointerException if a required component is {@code null}
   */
  public ClusterPolicies {
    Objects.requireNonNull(circuitBreakers, "circuitBreakers");
  }
}
