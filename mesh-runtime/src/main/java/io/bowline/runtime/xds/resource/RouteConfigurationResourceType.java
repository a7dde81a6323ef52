package io.bowline.runtime.xds.resource;

import io.bowline.api.config.HeaderMutations;
import io.bowline.api.config.RouteConfiguration;
import io.bowline.api.config.VirtualHost;
import io.bowline.runtime.routing.CompiledRouteConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * RDS: {@code envoy.config.route.v3.RouteConfiguration}. Validation includes compiling it for
 * the data path (regexes, duplicate domains), so an accepted resource always routes.
 */
public final class RouteConfigurationResourceType
    extends ResourceType<io.envoyproxy.envoy.config.route.v3.RouteConfiguration, RouteConfiguration> {

  public RouteConfigurationResourceType() {
    super(TypeUrls.ROUTE_CONFIGURATION, io.envoyproxy.envoy.config.route.v3.RouteConfiguration.getDescriptor(), io.envoyproxy.envoy.config.route.v3.RouteConfiguration.parser(), false);
  }

  @Override
  public String name(io.envoyproxy.envoy.config.route.v3.RouteConfiguration proto) {
    return proto.getName();
  }

  @Override
  public RouteConfiguration parse(io.envoyproxy.envoy.config.route.v3.RouteConfiguration proto)
      throws ResourceException {
    if (proto.hasVhds()) {
      throw new ResourceException("vhds", "on-demand virtual hosts are not supported");
    }
    List<VirtualHost> hosts = new ArrayList<>();
    for (int i = 0; i < proto.getVirtualHostsCount(); i++) {
      hosts.add(RouteParser.virtualHost(proto.getVirtualHosts(i), "virtual_hosts[" + i + "]"));
    }
    HeaderMutations headers = HeaderMutationParser.parse(
        proto.getRequestHeadersToAddList(), proto.getRequestHeadersToRemoveList(),
        proto.getResponseHeadersToAddList(), proto.getResponseHeadersToRemoveList(), "");
    RouteConfiguration config = new RouteConfiguration(proto.getName(), hosts,
        proto.getIgnorePortInHostMatching(), headers, proto.getMostSpecificHeaderMutationsWins());
    try {
      new CompiledRouteConfig(config);
    } catch (IllegalArgumentException e) {
      throw new ResourceException("virtual_hosts", e.getMessage());
    }
    return config;
  }
}
