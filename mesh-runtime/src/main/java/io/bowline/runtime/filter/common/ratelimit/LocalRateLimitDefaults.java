package io.bowline.runtime.filter.common.ratelimit;

import io.bowline.api.config.LocalRateLimitPolicy;
import io.bowline.api.config.RouteConfiguration;
import io.bowline.runtime.filter.common.RoutePolicyEdits;

/**
 * Envoy's precedence for {@code envoy.filters.http.local_ratelimit}: a route's (or its virtual
 * host's) {@code typed_per_filter_config} replaces the filter's own config in the HTTP connection
 * manager; routes with neither use the filter's (one bucket for all of them). A listener without
 * the filter in {@code http_filters} limits nothing, whatever its routes say.
 */
public final class LocalRateLimitDefaults {
  private LocalRateLimitDefaults() {}

  /**
   * {@code rc} as a listener sees it: per-route configs scoped by {@code rcKey} so that two route
   * configurations never share a bucket, the filter's config on routes without one, and none at all
   * when {@code filterConfig} is {@code null}; {@code rc} itself when no route changes.
   *
   * @param rc the route configuration
   * @param rcKey names the route configuration (its name, or the listener's for an inline one)
   * @param filterConfig the listener's filter config, or {@code null} without the filter
   * @return the route configuration to compile
   */
  public static RouteConfiguration apply(RouteConfiguration rc, String rcKey, LocalRateLimitPolicy filterConfig) {
    return RoutePolicyEdits.apply(rc, p -> {
      LocalRateLimitPolicy own = p.localRateLimit();
      if (filterConfig == null || own == null) {
        return p.withLocalRateLimit(filterConfig);
      }
      return p.withLocalRateLimit(own.withScope("route_config " + rcKey + " " + own.scope()));
    });
  }
}
