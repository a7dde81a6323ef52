package io.bowline.controlplane.translate;

import com.google.protobuf.Any;
import io.bowline.controlplane.istio.ServicePort;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.Locale;
import java.util.Set;

/**
 * A service port's protocol → its clusters' upstream protocol, as istiod's cluster builder sets it
 * ({@code setUpstreamProtocol}): a {@code GRPC}, {@code GRPC-WEB} or {@code HTTP2} port (by {@code protocol},
 * {@code appProtocol} or port name prefix) gets {@code typed_extension_protocol_options}
 * {@code envoy.extensions.upstreams.http.v3.HttpProtocolOptions} with {@code explicit_http_config.http2_protocol_options},
 * a port whose protocol is not known (sniffed by Istio) gets {@code use_downstream_protocol_config}, and any other
 * port none (Envoy's HTTP/1.1).
 */
final class UpstreamProtocolTranslator {
  /** The {@code typed_extension_protocol_options} key Envoy reads the upstream HTTP options from. */
  static final String KEY = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
  private static final Set<String> HTTP2 = Set.of("GRPC", "GRPC-WEB", "HTTP2");

  private UpstreamProtocolTranslator() {}

  /** {@code cluster} with the upstream protocol of {@code port}. */
  static Cluster apply(Cluster cluster, ServicePort port) {
    String protocol = port.protocol().toUpperCase(Locale.ROOT);
    HttpProtocolOptions options;
    if (HTTP2.contains(protocol)) {
      options = HttpProtocolOptions.newBuilder()
          .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
              .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
          .build();
    } else if (protocol.isEmpty()) {
      options = HttpProtocolOptions.newBuilder()
          .setUseDownstreamProtocolConfig(HttpProtocolOptions.UseDownstreamHttpConfig.newBuilder()
              .setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance())
              .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
          .build();
    } else {
      return cluster;
    }
    return cluster.toBuilder().putTypedExtensionProtocolOptions(KEY, Any.pack(options)).build();
  }
}
