package io.bowline.runtime.routing;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.RouteConfiguration;
import io.bowline.api.config.VirtualHost;
import java.util.Locale;

/**
 * A {@link RouteConfiguration} compiled for the data path: virtual hosts indexed by domain,
 * routes indexed by path ({@link RouteTable}), regexes compiled, weights pre-summed, header edits
 * merged per route. Immutable and safe to share between threads.
 */
public final class CompiledRouteConfig {
  private final RouteConfiguration config;
  private final VirtualHostIndex<RouteTable> hosts;

  /**
   * @throws IllegalArgumentException if the configuration is invalid (duplicate domain, bad regex)
   */
  public CompiledRouteConfig(RouteConfiguration config) {
    this.config = config;
    this.hosts = new VirtualHostIndex<>(config.virtualHosts(), this::compile);
  }

  private RouteTable compile(VirtualHost vh) {
    return new RouteTable(vh.routes().stream()
        .map(r -> new CompiledRoute(r, vh.headers(), config.headers(), config.mostSpecificHeaderMutationsWins()))
        .toList());
  }

  /** The route configuration's name. */
  public String name() {
    return config.name();
  }

  /**
   * Routes one request: virtual host by authority, then the first matching route.
   *
   * @return the decision; never {@code null}
   */
  public RouteDecision route(MeshRequest request) {
    String authority = request.authority().toLowerCase(Locale.ROOT);
    if (config.ignorePortInHostMatching()) {
      authority = stripPort(authority);
    }
    RouteTable routes = hosts.find(authority);
    if (routes == null) {
      return RouteDecision.NO_ROUTE;
    }
    CompiledRoute r = routes.find(request);
    return r == null ? RouteDecision.NO_ROUTE : r.decide(request);
  }

  static String stripPort(String authority) {
    int colon = authority.lastIndexOf(':');
    if (colon < 0 || authority.indexOf(']') > colon) {
      return authority;
    }
    for (int i = colon + 1; i < authority.length(); i++) {
      if (!Character.isDigit(authority.charAt(i))) {
        return authority;
      }
    }
    return authority.substring(0, colon);
  }
}
