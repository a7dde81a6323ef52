package io.bowline.runtime.filter.common.fault;

import io.bowline.api.config.FaultPolicy;
import io.bowline.api.config.Route;
import io.bowline.api.config.RouteConfiguration;
import io.bowline.api.config.VirtualHost;
import java.util.ArrayList;
import java.util.List;

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
    List<VirtualHost> hosts = new ArrayList<>(rc.virtualHosts().size());
    boolean changed = false;
    for (VirtualHost vh : rc.virtualHosts()) {
      List<Route> routes = new ArrayList<>(vh.routes().size());
      for (Route r : vh.routes()) {
        if (filterFault == null ? r.policies().fault() != null : r.policies().fault() == null) {
          r = new Route(r.name(), r.match(), r.action(), r.headers(), r.policies().withFault(filterFault));
          changed = true;
        }
        routes.add(r);
      }
      hosts.add(new VirtualHost(vh.name(), vh.domains(), routes, vh.headers()));
    }
    if (!changed) {
      return rc;
    }
    return new RouteConfiguration(rc.name(), hosts, rc.ignorePortInHostMatching(), rc.headers(),
        rc.mostSpecificHeaderMutationsWins());
  }
}
