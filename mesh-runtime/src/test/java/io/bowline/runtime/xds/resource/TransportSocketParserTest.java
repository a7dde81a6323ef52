package io.bowline.runtime.xds.resource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.TransportSocketMatch;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import org.junit.jupiter.api.Test;

/**
 * Never fail open: the cluster's {@code transport_socket} is plaintext or a TLS context that can be satisfied
 * (else refused naming the field); every {@code transport_socket_matches} entry some endpoint could be given
 * must be {@code raw_buffer} (Istio's auto-mTLS {@code tlsMode: istio} match is refused naming the field).
 */
class TransportSocketParserTest {
  private final ClusterResourceType type = new ClusterResourceType();

  private static final TransportSocket TLS = TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
      .setTypedConfig(Any.pack(UpstreamTlsContext.getDefaultInstance())).build();
  private static final TransportSocket RAW = TransportSocket.newBuilder().setName("envoy.transport_sockets.raw_buffer")
      .setTypedConfig(Any.pack(RawBuffer.getDefaultInstance())).build();

  private static Cluster.Builder cluster() {
    return Cluster.newBuilder().setName("outbound|9080||reviews.default.svc.cluster.local")
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(io.bowline.runtime.testing.EnvoyResources.ADS));
  }

  /** Istio's auto-mTLS shape: endpoints labelled {@code tlsMode: istio} get TLS, the rest plaintext. */
  private static TransportSocketMatch tlsModeIstio() {
    return TransportSocketMatch.newBuilder().setName("tlsMode-istio")
        .setMatch(Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue("istio").build()))
        .setTransportSocket(TLS).build();
  }

  private static TransportSocketMatch catchAll(TransportSocket socket) {
    return TransportSocketMatch.newBuilder().setName("tlsMode-disabled").setTransportSocket(socket).build();
  }

  @Test
  void aTlsContextThatTrustsNoCaOrHasNoContextIsRefusedNamingTheField() {
    assertThatThrownBy(() -> type.parse(cluster().setTransportSocket(TLS).build()))
        .isInstanceOf(ResourceException.class)
        .hasMessage("transport_socket.typed_config.common_tls_context.validation_context: no trusted CA "
            + "(ca_certificate_provider_instance or an SDS validation context) is set: the server could not be "
            + "verified; refusing to connect");
    TransportSocket byNameOnly = TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").build();
    assertThatThrownBy(() -> type.parse(cluster().setTransportSocket(byNameOnly).build()))
        .hasMessage("transport_socket.typed_config: an UpstreamTlsContext is required for envoy.transport_sockets.tls");
  }

  @Test
  void plaintextIsAccepted() throws Exception {
    assertThat(type.parse(cluster().build()).name()).isNotEmpty();
    assertThat(type.parse(cluster().setTransportSocket(RAW).build()).name()).isNotEmpty();
    assertThat(type.parse(cluster().setTransportSocket(TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.raw_buffer")).build()).name()).isNotEmpty();
  }

  @Test
  void anyOtherTransportSocketIsRefusedRatherThanIgnored() {
    TransportSocket proxyProtocol = TransportSocket.newBuilder().setName("envoy.transport_sockets.upstream_proxy_protocol").build();
    assertThatThrownBy(() -> type.parse(cluster().setTransportSocket(proxyProtocol).build()))
        .hasMessage("transport_socket: envoy.transport_sockets.upstream_proxy_protocol is not supported; only "
            + "envoy.transport_sockets.raw_buffer (plaintext) is, refusing to connect without it");
  }

  @Test
  void aTlsMatchSomeEndpointCouldSelectIsReadLikeTheClustersSocketAndRefusedWhenUnsatisfiable() {
    Cluster istioAutoMtls = cluster().addTransportSocketMatches(tlsModeIstio()).addTransportSocketMatches(catchAll(RAW)).build();
    assertThatThrownBy(() -> type.parse(istioAutoMtls))
        .hasMessage("transport_socket_matches[0].transport_socket.typed_config.common_tls_context.validation_context: "
            + "no trusted CA (ca_certificate_provider_instance or an SDS validation context) is set: the server "
            + "could not be verified; refusing to connect");
  }

  @Test
  void theDefaultSocketIsCheckedWhenNoMatchCoversEveryEndpoint() {
    Cluster plainMatchTlsDefault = cluster()
        .addTransportSocketMatches(TransportSocketMatch.newBuilder().setName("legacy")
            .setMatch(Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue("disabled").build()))
            .setTransportSocket(RAW))
        .setTransportSocket(TLS).build();
    assertThatThrownBy(() -> type.parse(plainMatchTlsDefault)).hasMessageStartingWith("transport_socket.typed_config");
  }

  @Test
  void socketsBehindACatchAllMatchAreUnreachableAndAccepted() throws Exception {
    Cluster shadowed = cluster().addTransportSocketMatches(catchAll(RAW)).addTransportSocketMatches(tlsModeIstio())
        .setTransportSocket(TLS).build();
    assertThat(type.parse(shadowed).name()).isEqualTo("outbound|9080||reviews.default.svc.cluster.local");
  }
}
