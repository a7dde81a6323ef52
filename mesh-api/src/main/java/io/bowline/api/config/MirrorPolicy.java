package io.bowline.api.config;

import java.util.Objects;

/**
 * Envoy {@code RouteAction.RequestMirrorPolicy}: fire-and-forget copies of requests to a shadow
 * cluster.
 *
 * @param cluster {@code cluster}
 * @param fraction {@code runtime_fraction.default_value}; unset means 100 %
 * @param disableShadowHostSuffixAppend {@code disable_shadow_host_suffix_append} (default false:
 *     the shadow's Host gets {@code -shadow} appended to its host part; Istio ≥ 1.28 sets true)
 */
public record MirrorPolicy(String cluster, FractionalPercent fraction, boolean disableShadowHostSuffixAppend) {
  /**
   * Checks the components.
   *
   * @param cluster {@code cluster}
   * @param fraction {@code runtime_fraction.default_value}; unset means 100 %
   * @param disableShadowHostSuffixAppend {@code disable_shadow_host_suffix_append} (default false: the
   *     shadow's Host gets {@code -shadow} appended to its host part; Istio ≥ 1.28 sets true)
   * @throws NullPointerException if a required component is {@code null}
   */
  public MirrorPolicy {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(fraction, "fraction");
  }
}
