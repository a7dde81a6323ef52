package io.bowline.controlplane.translate;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;

/**
 * Builds the outbound API listener {@code <host>:<port>} of a service port, as istiod's {@code grpc}
 * generator does: {@code api_listener} holding an {@code HttpConnectionManager} that fetches the route
 * configuration {@code outbound|<port>||<host>} over ADS, with istiod's two HTTP filters for proxyless
 * clients: an empty fault filter (routes carry their faults in {@code typed_per_filter_config}) and the router.
 */
final class ListenerTranslator {

  /** The name of Envoy's terminal router filter. */
  static final String ROUTER_FILTER = "envoy.filters.http.router";

  private ListenerTranslator() {}

  static Listener apiListener(String host, int port) {
    HttpConnectionManager manager = HttpConnectionManager.newBuilder()
        .setStatPrefix("outbound_" + host + "_" + port)
        .setCodecType(HttpConnectionManager.CodecType.AUTO)
        .setRds(Rds.newBuilder()
            .setConfigSource(ClusterTranslator.adsConfigSource())
            .setRouteConfigName(ClusterNames.outbound(port, "", host)))
        .addHttpFilters(HttpFilter.newBuilder()
            .setName(HttpPolicyTranslator.FAULT_FILTER)
            .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())))
        .addHttpFilters(HttpFilter.newBuilder()
            .setName(ROUTER_FILTER)
            .setTypedConfig(Any.pack(Router.getDefaultInstance())))
        .build();
    return Listener.newBuilder()
        .setName(ClusterNames.listener(host, port))
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(manager)))
        .build();
  }
}
