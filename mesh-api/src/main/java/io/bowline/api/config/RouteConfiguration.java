package io.bowline.api.config;

import java.util.List;
import java.util.Objects;

/**
 * Envoy {@code config.route.v3.RouteConfiguration}.
 *
 * @param name resource name (Istio: {@code outbound|<port>||<FQDN>} for proxyless clients)
 * @param virtualHosts in declaration order
 * @param ignorePortInHostMatching {@code ignore_port_in_host_matching}: strip the port from the
 *     request authority before virtual-host selection
 * @param headers the route configuration's {@code request/response_headers_to_add/remove}
 * @param mostSpecificHeaderMutationsWins {@code most_specific_header_mutations_wins}: apply the
 *     levels from least to most specific (route configuration first), so the most specific
 *     overwrite wins; by default the order is weighted cluster, route, virtual host, configuration
 */
public record RouteConfiguration(
    String name,
    List<VirtualHost> virtualHosts,
    boolean ignorePortInHostMatching,
    HeaderMutations headers,
    boolean mostSpecificHeaderMutationsWins) {
  /**
   * A route configuration without header edits.
   *
   * @param name resource name (Istio: {@code outbound|<port>||<FQDN>} for proxyless clients)
   * @param virtualHosts in declaration order
   * @param ignorePortInHostMatching {@code ignore_port_in_host_matching}: strip the port from the request
   *     authority before virtual-host selection
   */
  public RouteConfiguration(String name, List<VirtualHost> virtualHosts, boolean ignorePortInHostMatching) {
    this(name, virtualHosts, ignorePortInHostMatching, HeaderMutations.NONE, false);
  }

  /**
   * Checks the components and keeps immutable copies of its collections.
   *
   * @param name resource name (Istio: {@code outbound|<port>||<FQDN>} for proxyless clients)
   * @param virtualHosts in declaration order
   * @param ignorePortInHostMatching {@code ignore_port_in_host_matching}: strip the port from the request
   *     authority before virtual-host selection
   * @param headers the route configuration's {@code request/response_headers_to_add/remove}
   * @param mostSpecificHeaderMutationsWins {@code most_specific_header_mutations_wins}: apply the levels from
   *     least to most specific (route configuration first), so the most specific overwrite wins; by default the
   *     order is weighted cluster, route, virtual host, configuration
   * @throws NullPointerException if a required component is {@code null}
   */
  public RouteConfiguration {
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(name, "name");
    virtualHosts = List.copyOf(virtualHosts);
  }
}
