package io.bowline.proxy.inbound;

import static io.bowline.runtime.testing.EnvoyResources.prefix;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.NonForwardingAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;

/** Server listeners (gRFC A36) shaped as istiod's grpc generator writes them, for xDS test servers. */
public final class ServerListenerResources {
  private ServerListenerResources() {}

  /** {@code xds.istio.io/grpc/lds/inbound/0.0.0.0:<port>} with {@code chains}. */
  public static Listener listener(int port, FilterChain.Builder... chains) {
    Listener.Builder b = Listener.newBuilder().setName("xds.istio.io/grpc/lds/inbound/0.0.0.0:" + port)
        .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("0.0.0.0")
            .setPortValue(port)));
    for (FilterChain.Builder c : chains) {
      b.addFilterChains(c);
    }
    return b.build();
  }

  /**
   * A filter chain without RBAC: one HttpConnectionManager whose inline route configuration does not forward,
   * then the router; matched on {@code transport} ({@code tls}, {@code raw_buffer}) unless it is empty.
   */
  public static FilterChain.Builder chain(String name, String transport) {
    HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
        .setRouteConfig(RouteConfiguration.newBuilder().setName("inbound").addVirtualHosts(VirtualHost.newBuilder()
            .addDomains("*").addRoutes(Route.newBuilder().setMatch(prefix("/"))
                .setNonForwardingAction(NonForwardingAction.getDefaultInstance()))))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())))
        .build();
    FilterChain.Builder chain = FilterChain.newBuilder().setName(name)
        .addFilters(Filter.newBuilder().setName("inbound-hcm").setTypedConfig(Any.pack(hcm)));
    if (!transport.isEmpty()) {
      chain.setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol(transport));
    }
    return chain;
  }
}
