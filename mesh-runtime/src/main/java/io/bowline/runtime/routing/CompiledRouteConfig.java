package io.bowline.runtime.routing;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.RouteConfiguration;
import io.bowline.api.config.VirtualHost;
import java.util.Locale;

/**
 * A {@link RouteConfiguration} compiled for the data path: virtual hosts indexed by domain,
 * regexes compiled, weights pre-summed. Immutable and safe to share between threads.
 */
public final class CompiledRouteConfig {
  private final RouteConfiguration config;
  private final VirtualHostIndex<CompiledRoute[]> hosts;

  /**
   * @throws IllegalArgumentException if the configuration is invalid (duplicate domain, bad regex)
   */
  public CompiledRouteConfig(RouteConfiguration config) {
    this.config = config;
    this.hosts = new VirtualHostIndex<>(config.virtualHosts(), CompiledRouteConfig::compile);
  }

  private static CompiledRoute[] compile(VirtualHost vh) {
    return vh.routes().stream().map(CompiledRoute::new).toArray(CompiledRoute[]::new);
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
    CompiledRoute[] routes = hosts.find(authority);
    if (routes == null) {
      return RouteDecision.NO_ROUTE;
    }
    for (CompiledRoute r : routes) {
      if (r.matches(request)) {
        return RouteDecision.of(r);
      }
    }
    return RouteDecision.NO_ROUTE;
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
