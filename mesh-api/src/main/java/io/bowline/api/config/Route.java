package io.bowline.api.config;

import java.util.Objects;

/**
 * Envoy {@code config.route.v3.Route}: a match and what to do with a matching request.
 *
 * @param name {@code name} ({@code ""} if unset)
 * @param match {@code match}
 * @param action {@code route}, {@code redirect} or {@code direct_response}
 * @param headers the route's {@code request/response_headers_to_add/remove}
 * @param policies timeouts, retries, mirrors and fault of the route (see {@link RoutePolicies})
 */
public record Route(
    String name, RouteMatch match, RouteAction action, HeaderMutations headers, RoutePolicies policies) {
  /**
   * Checks the components.
   *
   * @param name {@code name} ({@code ""} if unset)
   * @param match {@code match}
   * @param action {@code route}, {@code redirect} or {@code direct_response}
   * @param headers the route's {@code request/response_headers_to_add/remove}
   * @param policies timeouts, retries, mirrors and fault of the route (see {@link RoutePolicies})
   * @throws NullPointerException if a required component is {@code null}
   */
  public Route {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(match, "match");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(policies, "policies");
  }

  /**
   * A route without header edits and with Envoy's default policies.
   *
   * @param name {@code name} ({@code ""} if unset)
   * @param match {@code match}
   * @param action {@code route}, {@code redirect} or {@code direct_response}
   */
  public Route(String name, RouteMatch match, RouteAction action) {
    this(name, match, action, HeaderMutations.NONE, RoutePolicies.ENVOY_DEFAULT);
  }

  /**
   * A route with these header edits and Envoy's default policies.
   *
   * @param name {@code name} ({@code ""} if unset)
   * @param match {@code match}
   * @param action {@code route}, {@code redirect} or {@code direct_response}
   * @param headers the route's {@code request/response_headers_to_add/remove}
   */
  public Route(String name, RouteMatch match, RouteAction action, HeaderMutations headers) {
    this(name, match, action, headers, RoutePolicies.ENVOY_DEFAULT);
  }

  /**
   * A route without header edits and with these policies.
   *
   * @param name {@code name} ({@code ""} if unset)
   * @param match {@code match}
   * @param action {@code route}, {@code redirect} or {@code direct_response}
   * @param policies timeouts, retries, mirrors and fault of the route (see {@link RoutePolicies})
   */
  public Route(String name, RouteMatch match, RouteAction action, RoutePolicies policies) {
    this(name, match, action, HeaderMutations.NONE, policies);
  }
}
