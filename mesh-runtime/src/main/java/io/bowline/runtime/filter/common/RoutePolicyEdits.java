package io.bowline.runtime.filter.common;

import io.bowline.api.config.Route;
import io.bowline.api.config.RouteConfiguration;
import io.bowline.api.config.RoutePolicies;
import io.bowline.api.config.VirtualHost;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Rewrites the policies of every route of a route configuration (a listener's filter defaults). */
public final class RoutePolicyEdits {
  private RoutePolicyEdits() {}

  /**
   * {@code rc} with {@code edit} applied to each route's policies; {@code rc} itself when no route's
   * policies change (compared with {@code equals}).
   *
   * @param rc the route configuration
   * @param edit maps a route's policies to the policies it gets
   * @return the edited route configuration, or {@code rc}
   */
  public static RouteConfiguration apply(RouteConfiguration rc, UnaryOperator<RoutePolicies> edit) {
    List<VirtualHost> hosts = new ArrayList<>(rc.virtualHosts().size());
    boolean changed = false;
    for (VirtualHost vh : rc.virtualHosts()) {
      List<Route> routes = new ArrayList<>(vh.routes().size());
      for (Route r : vh.routes()) {
        RoutePolicies p = edit.apply(r.policies());
        if (!p.equals(r.policies())) {
          r = new Route(r.name(), r.match(), r.action(), r.headers(), p);
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
