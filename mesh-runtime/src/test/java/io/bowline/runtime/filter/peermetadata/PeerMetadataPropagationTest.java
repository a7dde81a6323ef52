package io.bowline.runtime.filter.peermetadata;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static io.bowline.runtime.testing.EnvoyResources.withPeerMetadataExchange;
import static io.bowline.runtime.testing.EnvoyResources.withRouteConfig;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.MeshClient;
import io.bowline.api.config.PeerMetadataExchange;
import io.bowline.api.filter.HttpFilter;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.pipeline.RoutedCall;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.bowline.runtime.testing.TestRequests;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code istio.metadata_exchange}'s {@code upstream_propagation} on the OkHttp adapter, against a real loopback server
 * over a real ADS stream: a call whose listener has the filter carries this workload's peer metadata headers, a call
 * whose listener has none carries neither; the compiled chain holds the filter only where it acts, also when a
 * listener of each kind names the same route configuration.
 */
class PeerMetadataPropagationTest {
  private static final String WITH = "reviews.default.svc.cluster.local";
  private static final String WITHOUT = "ratings.default.svc.cluster.local";
  private static final String CLUSTER = clusterName(9080, "", WITH);
  private static final String PROPAGATE = """
      {"upstream_discovery": [{"istio_headers": {}}],
       "upstream_propagation": [{"istio_headers": {"skip_external_clusters": true}}]}
      """;

  private XdsTestServer xds;
  private ScriptedHttpServer server;
  private MeshClient mesh;

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
    server = new ScriptedHttpServer("a");
    // both listeners name one route configuration, whose virtual host has both services' names
    RouteConfiguration shared = routes(WITH, 9080, toCluster(prefix("/"), CLUSTER));
    shared = shared.toBuilder().setVirtualHosts(0, shared.getVirtualHosts(0).toBuilder().addDomains(WITHOUT)).build();
    xds.set(Snapshot.create(List.of(edsCluster(CLUSTER, Cluster.LbPolicy.ROUND_ROBIN)),
        List.of(endpoints(CLUSTER, server.port())),
        List.of(withPeerMetadataExchange(listener(WITH, 9080), PROPAGATE),
            withRouteConfig(listener(WITHOUT, 9080), shared.getName())),
        List.of(shared), List.of(), "1"));
    mesh = MeshClient.builder().workload("productpage-v1", "default").label("app", "productpage")
        .xdsServer(xds.address()).build();
    mesh.awaitReady(Duration.ofSeconds(30));
  }

  @AfterEach
  void tearDown() throws Exception {
    mesh.close();
    server.close();
    xds.close();
  }

  private Map<String, String> call(String host) throws Exception {
    OkHttpClient client = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
    try (Response r = client.newCall(new Request.Builder().url("http://" + host + ":9080/").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    List<Map<String, String>> seen = server.requests();
    return seen.get(seen.size() - 1);
  }

  @Test
  void aCallWhoseListenerPropagatesCarriesTheWorkloadsMetadata() throws Exception {
    Map<String, String> headers = call(WITH);
    assertThat(headers).containsKey(PeerMetadataExchange.HEADER);
    assertThat(headers.get(PeerMetadataExchange.HEADER)).isEqualTo(java.util.Base64.getEncoder().encodeToString(
        PeerMetadataFilter.metadata("productpage-v1", "default", null, Map.of("app", "productpage"))
            .toByteArray()));
  }

  @Test
  void aCallWhoseListenerHasNoExchangeCarriesNeitherHeader() throws Exception {
    Map<String, String> headers = call(WITHOUT);
    assertThat(headers).doesNotContainKeys(PeerMetadataExchange.HEADER, PeerMetadataExchange.ID_HEADER);
  }

  @Test
  void theChainHoldsTheFilterOnlyForTheListenerThatPropagatesThoughTheyShareTheRoute() {
    OutboundRouter router = RuntimeMeshClient.of(mesh).router();
    RoutedCall with = router.route(WITH, 9080, TestRequests.get(WITH + ":9080", Map.of()));
    RoutedCall without = router.route(WITHOUT, 9080, TestRequests.get(WITHOUT + ":9080", Map.of()));
    assertThat(((RoutedCall.Upstream) with).route()).isEqualTo(((RoutedCall.Upstream) without).route());
    assertThat(names(router, with)).contains(PeerMetadataExchange.FILTER_NAME);
    assertThat(names(router, without)).doesNotContain(PeerMetadataExchange.FILTER_NAME)
        .endsWith("envoy.filters.http.router");
  }

  private static List<String> names(OutboundRouter router, RoutedCall call) {
    return Arrays.stream(router.chain(call).filters()).map(HttpFilter::name).toList();
  }
}
