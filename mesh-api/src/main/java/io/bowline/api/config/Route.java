package io.bowline.api.config;

import java.util.Objects;

/**
 * Envoy {@code config.route.v3.Route}: a match and what to do with a matching request.
 *
 * @param name {@code name} ({@code ""} if unset)
 * @param match {@code match}
 * @param action {@code route}, {@code redirect} or {@code direct_response}
 * @param headers the route's {@code request/response_headers_to_add/remove}
 */
public record Route(String name, RouteMatch match, RouteAction action, HeaderMutations headers) {
  public Route {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(match, "match");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(headers, "headers");
  }

  /** A route without header edits. */
  public Route(String name, RouteMatch match, RouteAction action) {
    this(name, match, action, HeaderMutations.NONE);
  }
}
