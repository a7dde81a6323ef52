package io.bowline.runtime.xds;

import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.xds.ScriptedAdsServer.any;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.api.MeshClient;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** Micrometer meters of the xDS client: connection state, resources by status, updates, NACKs. */
class XdsMetricsTest {
  @Test
  void countsUpdatesNacksAndResourcesByStatusAndRemovesItsMetersOnClose() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ScriptedAdsServer server = new ScriptedAdsServer()) {
      MeshClient mesh = MeshClient.builder().workload("metrics", "default").xdsServer(server.address())
          .meterRegistry(registry).build();
      server.awaitStream();
      assertThat(registry.get(XdsMetrics.CONNECTED).gauge().value()).isZero();

      server.next(TypeUrls.LISTENER);
      server.send(TypeUrls.LISTENER, "1", "n1", any(listener("a.default.svc.cluster.local", 80)));
      Cluster bad = edsCluster("bad", Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
          .setType(Cluster.DiscoveryType.ORIGINAL_DST).build();
      server.send(TypeUrls.CLUSTER, "1", "c1", any(edsCluster("good", Cluster.LbPolicy.ROUND_ROBIN)), any(bad));

      await().untilAsserted(() -> {
        assertThat(registry.get(XdsMetrics.CONNECTED).gauge().value()).isEqualTo(1);
        assertThat(registry.get(XdsMetrics.UPDATES).tag("type", "Listener").counter().count()).isEqualTo(1);
        assertThat(registry.get(XdsMetrics.NACKS).tag("type", "Cluster").counter().count()).isEqualTo(1);
        assertThat(registry.get(XdsMetrics.RESOURCES).tags("type", "Cluster", "status", "NACKED").gauge().value())
            .isEqualTo(1);
        assertThat(registry.get(XdsMetrics.RESOURCES).tags("type", "Cluster", "status", "ACKED").gauge().value())
            .isEqualTo(1);
        assertThat(registry.get(XdsMetrics.RESOURCES).tags("type", "RouteConfiguration", "status", "REQUESTED")
            .gauge().value()).isEqualTo(1);
      });
      assertThat(registry.get(XdsMetrics.CONNECTED).gauge().getId().getTag("server")).isEqualTo(server.address());

      mesh.close();
      assertThat(registry.find(XdsMetrics.CONNECTED).gauges()).isEmpty();
      assertThat(registry.find(XdsMetrics.NACKS).counters()).isEmpty();
    }
  }
}
