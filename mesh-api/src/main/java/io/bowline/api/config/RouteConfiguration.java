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
 */
public record RouteConfiguration(
    String name, List<VirtualHost> virtualHosts, boolean ignorePortInHostMatching) {
  public RouteConfiguration {
    Objects.requireNonNull(name, "name");
    virtualHosts = List.copyOf(virtualHosts);
  }
}
