package io.bowline.runtime.pipeline;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.headerExact;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.MeshClient;
import io.bowline.api.MeshRequest;
import io.bowline.runtime.testing.TestRequests;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link OutboundRouter#route}'s decisions against a real xDS server: a forwarding decision without a request hash is
 * made once per snapshot and shared by the calls that route the same way; a request hash ({@code hash_policy}) and a
 * route made again after filters' edits ({@link OutboundRouter#reroute}) get decisions of their own.
 */
class OutboundRouterDecisionTest {
  private static final String FQDN = "reviews.default.svc.cluster.local";
  private static final String V1 = clusterName(9080, "v1", FQDN);

  private XdsTestServer xds;
  private MeshClient mesh;
  private OutboundRouter router;

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
    Route plain = Route.newBuilder().setMatch(headerExact("x-case", "plain"))
        .setRoute(RouteAction.newBuilder().setCluster(V1)).build();
    Route hashed = Route.newBuilder().setMatch(headerExact("x-case", "hashed")).setRoute(RouteAction.newBuilder()
        .setCluster(V1).addHashPolicy(RouteAction.HashPolicy.newBuilder()
            .setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName("x-user")))).build();
    xds.set(Snapshot.create(List.of(edsCluster(V1, Cluster.LbPolicy.RING_HASH)), List.of(endpoints(V1, 9)),
        List.of(listener(FQDN, 9080)), List.of(routes(FQDN, 9080, plain, hashed)), List.of(), "1"));
    mesh = MeshClient.builder().workload("client", "default").xdsServer(xds.address()).build();
    mesh.awaitReady(Duration.ofSeconds(30));
    router = RuntimeMeshClient.of(mesh).router();
  }

  @AfterEach
  void tearDown() throws Exception {
    mesh.close();
    xds.close();
  }

  /** The adapters' entry: route, then the decision's chain (which compiles the snapshot's state once). */
  private RoutedCall call(Map<String, String> headers) {
    RoutedCall routed = router.route("reviews", 9080, request(headers));
    router.chain(routed);
    return routed;
  }

  @Test
  void callsThatRouteTheSameWayShareOneDecision() {
    call(Map.of("x-case", "plain"));
    RoutedCall first = call(Map.of("x-case", "plain"));
    RoutedCall second = call(Map.of("x-case", "plain"));
    assertThat(first).isInstanceOf(RoutedCall.Upstream.class);
    assertThat(second).isSameAs(first);
  }

  @Test
  void aRequestHashGivesEachCallItsOwnDecision() {
    call(Map.of("x-case", "hashed", "x-user", "a"));
    RoutedCall first = call(Map.of("x-case", "hashed", "x-user", "a"));
    RoutedCall second = call(Map.of("x-case", "hashed", "x-user", "a"));
    assertThat(((RoutedCall.Upstream) first).hash()).isNotEqualTo(io.bowline.runtime.routing.HashPolicies.NO_HASH);
    assertThat(second).isNotSameAs(first).isEqualTo(first);
  }

  @Test
  void routingAgainAfterEditsMakesANewDecision() {
    call(Map.of("x-case", "plain"));
    RoutedCall shared = call(Map.of("x-case", "plain"));
    RoutedCall again = router.reroute("reviews", 9080, request(Map.of("x-case", "plain")));
    assertThat(again).isNotSameAs(shared).isEqualTo(shared);
    assertThat(call(Map.of("x-case", "plain"))).isSameAs(shared);
  }

  private static MeshRequest request(Map<String, String> headers) {
    return TestRequests.get("reviews:9080", headers);
  }
}
