package io.bowline.runtime.xds.resource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bowline.api.config.PeerMetadataExchange;
import io.bowline.runtime.testing.EnvoyResources;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import org.junit.jupiter.api.Test;

/**
 * The {@code istio.metadata_exchange} HTTP filter as istiod sends it (a {@code TypedStruct} of
 * {@code io.istio.http.peer_metadata.Config}): its Istio-header methods read into the listener, anything Bowline
 * does not run NACKed naming the field.
 */
class PeerMetadataParsingTest {

  private static Listener withExchange(String configJson) {
    return EnvoyResources.withPeerMetadataExchange(
        EnvoyResources.listener("reviews.default.svc.cluster.local", 9080), configJson);
  }

  private static PeerMetadataExchange exchange(Listener l) throws ResourceException {
    return ((io.bowline.api.config.Listener) new ListenerResourceType().parse(l)).peerMetadata();
  }

  @Test
  void istiodsSidecarOutboundConfigIsReadAsHeadersSentAndRead() throws Exception {
    PeerMetadataExchange e = exchange(withExchange("""
        {"upstream_discovery": [{"istio_headers": {}}, {"workload_discovery": {}}],
         "upstream_propagation": [{"istio_headers": {"skip_external_clusters": true}}]}
        """));
    assertThat(e).isEqualTo(new PeerMetadataExchange(true, true, true));
  }

  @Test
  void aListenerWithoutTheFilterHasNoExchange() throws Exception {
    assertThat(exchange(EnvoyResources.listener("reviews.default.svc.cluster.local", 9080))).isNull();
  }

  @Test
  void anUnknownFieldIsNackedNamingIt() {
    assertThatThrownBy(() -> exchange(withExchange("""
        {"upstream_propagation": [{"istio_headers": {}}], "max_peer_cache_size": 10}
        """)))
        .isInstanceOf(ResourceException.class)
        .hasMessageContaining("api_listener.http_filters[0].typed_config.value.max_peer_cache_size")
        .hasMessageContaining("unknown field");
  }

  @Test
  void aMethodBowlineDoesNotRunIsNackedNamingIt() {
    assertThatThrownBy(() -> exchange(withExchange("""
        {"upstream_discovery": [{"baggage": {}}]}
        """)))
        .isInstanceOf(ResourceException.class)
        .hasMessageContaining("typed_config.value.upstream_discovery[0].baggage")
        .hasMessageContaining("istio_headers, workload_discovery");
  }

  @Test
  void additionalLabelsAreNackedNamingTheField() {
    assertThatThrownBy(() -> exchange(withExchange("""
        {"upstream_propagation": [{"istio_headers": {}}], "additional_labels": ["role"]}
        """)))
        .isInstanceOf(ResourceException.class)
        .hasMessageContaining("typed_config.value.additional_labels");
  }
}
