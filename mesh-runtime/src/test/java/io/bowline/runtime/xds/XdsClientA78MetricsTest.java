package io.bowline.runtime.xds;

import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.xds.ScriptedAdsServer.any;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.api.MeshClient;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** gRFC A78's xDS client metrics, as a Prometheus scrape shows them. */
class XdsClientA78MetricsTest {
  private static final String CDS = "grpc_xds_client_resources{grpc_target=\"%s\",grpc_xds_authority=\"#old\","
      + "grpc_xds_cache_state=\"%s\",grpc_xds_resource_type=\"envoy.config.cluster.v3.Cluster\"} %s";
  private static final String UPDATES = "grpc_xds_client_resource_updates_%s_total{grpc_target=\"%s\","
      + "grpc_xds_resource_type=\"envoy.config.%s\",grpc_xds_server=\"%s\"} %s";

  @Test
  void countsServerFailuresValidAndInvalidResourcesAndResourcesByCacheState() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (ScriptedAdsServer server = new ScriptedAdsServer();
        MeshClient mesh = MeshClient.builder().workload("a78", "default").xdsServer(server.address())
            .meterRegistry(registry).build()) {
      server.awaitStream();
      String node = registry.get(XdsMetrics.A78_CONNECTED).gauge().getId().getTag("grpc.target");
      String labels = "grpc_target=\"" + node + "\",grpc_xds_server=\"" + server.address() + "\"";
      assertThat(registry.scrape()).contains("grpc_xds_client_connected{" + labels + "} 0.0");

      server.breakStream(); // no response on it: the server went unhealthy
      server.awaitStream();
      assertThat(registry.scrape()).contains("grpc_xds_client_server_failure_total{" + labels + "} 1.0");

      server.next(TypeUrls.LISTENER);
      server.send(TypeUrls.LISTENER, "1", "n1", any(listener("a.default.svc.cluster.local", 80)));
      Cluster good = edsCluster("good", Cluster.LbPolicy.ROUND_ROBIN);
      Cluster bad = edsCluster("bad", Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
          .setType(Cluster.DiscoveryType.ORIGINAL_DST).build();
      server.send(TypeUrls.CLUSTER, "1", "c1", any(good), any(bad));
      await().untilAsserted(() -> assertThat(registry.scrape())
          .contains(String.format(CDS, node, "acked", "1.0"))
          .contains(String.format(CDS, node, "nacked", "1.0")));

      // the good cluster turns bad: its accepted version stays in use
      server.send(TypeUrls.CLUSTER, "2", "c2", any(good.toBuilder().setType(Cluster.DiscoveryType.ORIGINAL_DST).build()),
          any(bad));
      await().untilAsserted(() -> {
        String scrape = registry.scrape();
        assertThat(scrape)
            .contains(String.format(CDS, node, "nacked_but_cached", "1.0"))
            .contains(String.format(CDS, node, "nacked", "1.0"))
            .contains(String.format(CDS, node, "acked", "0.0"))
            .contains(String.format(UPDATES, "valid", node, "cluster.v3.Cluster", server.address(), "1.0"))
            .contains(String.format(UPDATES, "invalid", node, "cluster.v3.Cluster", server.address(), "3.0"))
            .contains(String.format(UPDATES, "valid", node, "listener.v3.Listener", server.address(), "1.0"))
            .contains("grpc_xds_client_connected{" + labels + "} 1.0")
            .contains(String.format("grpc_xds_client_resources{grpc_target=\"%s\",grpc_xds_authority=\"#old\","
                + "grpc_xds_cache_state=\"requested\",grpc_xds_resource_type="
                + "\"envoy.config.route.v3.RouteConfiguration\"} 1.0", node));
      });
    }
  }
}
