package io.bowline.runtime.filter.common.fault;

import io.bowline.api.config.FaultPolicy;
import io.bowline.api.config.RouteConfiguration;
import io.bowline.runtime.filter.common.RoutePolicyEdits;

/**
 * Envoy's precedence for the fault filter's config: a route's (or its virtual host's)
 * {@code typed_per_filter_config["envoy.filters.http.fault"]} replaces the filter's own
 * {@code typed_config} in the HTTP connection manager; routes with neither use the filter's. A
 * listener without the fault filter in {@code http_filters} injects no fault, whatever its routes say.
 */
public final class FaultDefaults {
  private FaultDefaults() {}

  /**
   * {@code rc} with {@code filterFault} on every route that has no fault of its own, or, when
   * {@code filterFault} is {@code null} (no fault filter), with no fault on any route; {@code rc}
   * itself when no route changes.
   */
  public static RouteConfiguration apply(RouteConfiguration rc, FaultPolicy filterFault) {
    return RoutePolicyEdits.apply(rc, p -> filterFault == null ? p.withFault(null)
        : p.fault() == null ? p.withFault(filterFault) : p);
  }
}
