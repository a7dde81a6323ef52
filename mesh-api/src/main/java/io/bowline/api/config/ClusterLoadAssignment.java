package io.bowline.api.config;

import java.util.List;
import java.util.Objects;

/**
 * Envoy {@code config.endpoint.v3.ClusterLoadAssignment}.
 *
 * @param clusterName {@code cluster_name} (the EDS service name)
 * @param localities {@code endpoints}: one entry per locality and priority
 * @param overprovisioningFactor {@code policy.overprovisioning_factor}, percent (default 140)
 */
public record ClusterLoadAssignment(
    String clusterName, List<LocalityEndpoints> localities, int overprovisioningFactor) {
  /**
   * Checks the components and keeps immutable copies of its collections.
   *
   * @param clusterName {@code cluster_name} (the EDS service name)
   * @param localities {@code endpoints}: one entry per locality and priority
   * @param overprovisioningFactor {@code policy.overprovisioning_factor}, percent (default 140)
   * @throws NullPointerException if a required component is {@code null}
   */
  public ClusterLoadAssignment {
    Objects.requireNonNull(clusterName, "clusterName");
    localities = List.copyOf(localities);
  }

  /** Envoy's default {@code overprovisioning_factor}: 140 (percent). */
  public static final int DEFAULT_OVERPROVISIONING_FACTOR = 140;
}
