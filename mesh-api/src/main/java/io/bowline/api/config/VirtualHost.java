package io.bowline.api.config;

import java.util.List;
import java.util.Objects;

/**
 * Envoy {@code config.route.v3.VirtualHost}.
 *
 * @param name virtual host name (stats only)
 * @param domains {@code domains}: exact names, {@code *.suffix}, {@code prefix*} or {@code *}
 * @param routes evaluated in order; the first match wins
 * @param headers the virtual host's {@code request/response_headers_to_add/remove}
 */
public record VirtualHost(String name, List<String> domains, List<Route> routes, HeaderMutations headers) {
  /**
   * A virtual host without header edits.
   *
   * @param name virtual host name (stats only)
   * @param domains {@code domains}: exact names, {@code *.suffix}, {@code prefix*} or {@code *}
   * @param routes evaluated in order; the first match wins
   */
  public VirtualHost(String name, List<String> domains, List<Route> routes) {
    this(name, domains, routes, HeaderMutations.NONE);
  }

  /**
   * Checks the components and keeps immutable copies of its collections.
   *
   * @param name virtual host name (stats only)
   * @param domains {@code domains}: exact names, {@code *.suffix}, {@code prefix*} or {@code *}
   * @param routes evaluated in order; the first match wins
   * @param headers the virtual host's {@code request/response_headers_to_add/remove}
   * @throws NullPointerException if a required component is {@code null}
   * @throws IllegalArgumentException if a component is outside the range its description gives
   */
  public VirtualHost {
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(name, "name");
    domains = List.copyOf(domains);
    routes = List.copyOf(routes);
    if (domains.isEmpty()) {
      throw new IllegalArgumentException("virtual host " + name + ": domains must not be empty");
    }
  }
}
