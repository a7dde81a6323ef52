package io.bowline.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
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
 * A service inside the mesh gets, first, the {@code istio.metadata_exchange} filter istiod puts on a sidecar's
 * outbound HTTP listeners ({@code io.istio.http.peer_metadata.Config}: {@code upstream_discovery} by Istio's headers
 * then workload discovery, {@code upstream_propagation} by Istio's headers, skipping external clusters), so that
 * callees learn who called; a {@code MESH_EXTERNAL} ServiceEntry's listener has none, so nothing about the workload
 * leaves the mesh. It is {@code is_optional} (istiod's is not), so that the clients that do not run it (grpc-java's
 * xDS clients, older Bowline runtimes) skip it rather than NACK the listener.
 */
final class ListenerTranslator {

  /** The name of Envoy's terminal router filter. */
  static final String ROUTER_FILTER = "envoy.filters.http.router";

  private ListenerTranslator() {}

  /** The HTTP filter name istiod gives Istio's peer metadata exchange. */
  static final String PEER_METADATA_FILTER = "istio.metadata_exchange";
  /** Its config's type, in a {@code TypedStruct}. */
  static final String PEER_METADATA_TYPE = "type.googleapis.com/io.istio.http.peer_metadata.Config";

  /**
   * @param host the service's FQDN
   * @param port the service port
   * @param inMesh whether the service is inside the mesh (not a {@code MESH_EXTERNAL} ServiceEntry)
   */
  static Listener apiListener(String host, int port, boolean inMesh) {
    HttpConnectionManager.Builder manager = HttpConnectionManager.newBuilder();
    if (inMesh) {
      manager.addHttpFilters(peerMetadataFilter());
    }
    manager
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
            .setTypedConfig(Any.pack(Router.getDefaultInstance())));
    return Listener.newBuilder()
        .setName(ClusterNames.listener(host, port))
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(manager.build())))
        .build();
  }

  /** istiod's sidecar outbound {@code istio.metadata_exchange}, with {@code skip_external_clusters}. */
  static HttpFilter peerMetadataFilter() {
    Struct config = Struct.newBuilder()
        .putFields("upstream_discovery", list(method("istio_headers", Struct.getDefaultInstance()),
            method("workload_discovery", Struct.getDefaultInstance())))
        .putFields("upstream_propagation", list(method("istio_headers", Struct.newBuilder()
            .putFields("skip_external_clusters", Value.newBuilder().setBoolValue(true).build()).build())))
        .build();
    // is_optional, unlike istiod's: grpc-java's xDS clients (gRFC A39) and older Bowline runtimes skip it, not NACK
    return HttpFilter.newBuilder().setName(PEER_METADATA_FILTER).setIsOptional(true).setTypedConfig(Any.pack(
        com.github.udpa.udpa.type.v1.TypedStruct.newBuilder().setTypeUrl(PEER_METADATA_TYPE).setValue(config).build()))
        .build();
  }

  private static Value method(String name, Struct config) {
    return Value.newBuilder().setStructValue(Struct.newBuilder()
        .putFields(name, Value.newBuilder().setStructValue(config).build())).build();
  }

  private static Value list(Value... values) {
    return Value.newBuilder().setListValue(ListValue.newBuilder().addAllValues(java.util.List.of(values))).build();
  }
}
