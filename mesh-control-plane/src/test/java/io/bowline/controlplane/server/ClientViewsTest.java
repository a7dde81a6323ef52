package io.bowline.controlplane.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import org.junit.jupiter.api.Test;

/** The client's locality comes from {@code Node.locality}, as {@code region/zone/subzone}. */
class ClientViewsTest {

  @Test
  void readsTheNodeLocalityAndDropsTrailingEmptySegments() {
    Node node = Node.newBuilder().setLocality(Locality.newBuilder().setRegion("us-east").setZone("a")).build();
    assertThat(ClientViews.of(node).locality()).isEqualTo("us-east/a");
    assertThat(ClientViews.of(node.toBuilder().setLocality(node.getLocality().toBuilder().setSubZone("1")).build())
        .locality()).isEqualTo("us-east/a/1");
    assertThat(ClientViews.of(Node.getDefaultInstance()).locality()).isEmpty();
  }
}
