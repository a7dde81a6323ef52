package io.bowline.api.config;

import java.util.List;
import java.util.Objects;

/**
 * Envoy {@code config.endpoint.v3.LocalityLbEndpoints}.
 *
 * @param locality {@code locality}
 * @param priority {@code priority}, 0 is the highest
 * @param weight {@code load_balancing_weight}, 0 when unset
 * @param endpoints {@code lb_endpoints}
 */
public record LocalityEndpoints(Locality locality, int priority, int weight, List<Endpoint> endpoints) {
  /**
   * Checks the components and keeps immutable copies of its collections.
   *
   * @param locality {@code locality}
   * @param priority {@code priority}, 0 is the highest
   * @param weight {@code load_balancing_weight}, 0 when unset
   * @param endpoints {@code lb_endpoints}
   * @throws NullPointerException if a required component is {@code null}
   * @throws IllegalArgumentException if a component is outside the range its description gives
   */
  public LocalityEndpoints {
    Objects.requireNonNull(locality, "locality");
    endpoints = List.copyOf(endpoints);
    if (priority < 0) {
      throw new IllegalArgumentException("priority must be >= 0, was " + priority);
    }
  }

  /**
   * Envoy {@code config.core.v3.Locality}.
   *
   * @param region {@code region}
   * @param zone {@code zone}
   * @param subZone {@code sub_zone}
   */
  public record Locality(String region, String zone, String subZone) {
    /** The empty locality. */
    public static final Locality NONE = new Locality("", "", "");
  }
}
