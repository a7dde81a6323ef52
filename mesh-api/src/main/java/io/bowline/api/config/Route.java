package io.bowline.api.config;

import java.util.Objects;

/**
 * Envoy {@code config.route.v3.Route}: a match and what to do with a matching request.
 *
 * @param name {@code name} ({@code ""} if unset)
 * @param match {@code match}
 * @param action {@code route}, {@code redirect} or {@code direct_response}
 * @param policies timeouts, retries, mirrors and fault of the route (see {@link RoutePolicies})
 */
public record Route(String name, RouteMatch match, RouteAction action, RoutePolicies policies) {
  public Route {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(match, "match");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(policies, "policies");
  }

  /** A route with Envoy's default policies ({@link RoutePolicies#ENVOY_DEFAULT}). */
  public Route(String name, RouteMatch match, RouteAction action) {
    this(name, match, action, RoutePolicies.ENVOY_DEFAULT);
  }
}
