package io.bowline.proxy.outbound;

import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.headerExact;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.MeshClient;
import io.bowline.proxy.BowlineProxy;
import io.bowline.runtime.testing.NamedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Spec §1 and §2 through the proxy: each row is sent by curl and by Python's urllib, each as to an
 * HTTP proxy (absolute-form) and with the service as {@code Host}, through the outbound listener,
 * and by the library's OkHttp adapter on the same mesh client; every client must get the row's
 * expected outcome, so the proxy routes exactly as the library does. Real ADS server, real
 * backends, real processes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboundConformanceTest {
  private static final String REVIEWS = "reviews.default.svc.cluster.local";
  private static final String RATINGS = "ratings.default.svc.cluster.local";

  private XdsTestServer xds;
  private NamedHttpServer a;
  private NamedHttpServer b;
  private NamedHttpServer outside;
  private MeshClient mesh;
  private BowlineProxy proxy;
  private BowlineProxy registryOnly;

  /** One row: the request and what every client must see. */
  record Row(String name, String url, Map<String, String> headers, Clients.Outcome expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  void start() throws Exception {
    a = new NamedHttpServer("a");
    b = new NamedHttpServer("b");
    outside = new NamedHttpServer("outside");
    xds = new XdsTestServer();
    Route rewrite = Route.newBuilder().setMatch(prefix("/rewrite/"))
        .setRoute(RouteAction.newBuilder().setCluster("cb").setPrefixRewrite("/new/")).build();
    xds.set(Snapshot.create(
        List.of(edsCluster("ca", Cluster.LbPolicy.ROUND_ROBIN), edsCluster("cb", Cluster.LbPolicy.ROUND_ROBIN)),
        List.of(endpoints("ca", a.port()), endpoints("cb", b.port())),
        List.of(listener(REVIEWS, 9080), listener(RATINGS, 9080)),
        List.of(routes(REVIEWS, 9080, toCluster(headerExact("x-user", "jason"), "cb"), rewrite,
                toCluster(prefix("/missing"), "nope"), toCluster(prefix("/"), "ca")),
            routes(RATINGS, 9080, toCluster(prefix("/only"), "ca"))),
        List.of(), "1"));
    mesh = MeshClient.builder().workload("proxy-conformance", "default").xdsServer(xds.address()).build();
    mesh.awaitReady(Duration.ofSeconds(20));
    proxy = BowlineProxy.builder().mesh(mesh).outbound(0).threads(1).start();
    registryOnly = BowlineProxy.builder().mesh(mesh).outbound(0).threads(1).registryOnly(true).start();
  }

  @AfterAll
  void stop() throws Exception {
    registryOnly.close();
    proxy.close();
    mesh.close();
    xds.close();
    a.close();
    b.close();
    outside.close();
  }

  List<Row> rows() {
    List<Row> r = new ArrayList<>();
    r.add(new Row("short name routes by the default route", "http://reviews:9080/p", Map.of(),
        new Clients.Outcome(200, "a", "", "/p")));
    r.add(new Row("header match picks another cluster", "http://reviews:9080/p", Map.of("x-user", "jason"),
        new Clients.Outcome(200, "b", "", "/p")));
    r.add(new Row("prefix_rewrite keeps the query", "http://reviews:9080/rewrite/x?q=1", Map.of(),
        new Clients.Outcome(200, "b", "", "/new/x?q=1")));
    r.add(new Row("fully qualified name", "http://" + REVIEWS + ":9080/", Map.of(),
        new Clients.Outcome(200, "a", "", "/")));
    r.add(new Row("unknown cluster is 503 NC", "http://reviews:9080/missing", Map.of(),
        new Clients.Outcome(503, "-", "NC", "-")));
    r.add(new Row("no route is 404 NR", "http://ratings:9080/other", Map.of(),
        new Clients.Outcome(404, "-", "NR", "-")));
    r.add(new Row("a host the mesh does not know passes through", "http://127.0.0.1:" + outside.port() + "/x?y=1",
        Map.of(), new Clients.Outcome(200, "outside", "", "/x?y=1")));
    return r;
  }

  Stream<Arguments> rowsAndClients() {
    return rows().stream().flatMap(row -> Stream.of(Clients.values()).map(c -> Arguments.of(row, c)));
  }

  @ParameterizedTest(name = "{0} ({1})")
  @MethodSource("rowsAndClients")
  void everyClientIsRoutedAsTheLibraryRoutes(Row row, Clients client) {
    Clients.Outcome got = client.get(proxy.outboundPort(), mesh, row.url(), row.headers()).outcome();
    assertThat(got).as(row.name() + " via " + client).isEqualTo(row.expected());
  }

  @Test
  void registryOnlyAnswersUnknownHostsWith502NR() {
    for (Clients c : List.of(Clients.CURL_AS_HTTP_PROXY, Clients.PYTHON_WITH_HOST)) {
      Clients.Outcome got = c.get(registryOnly.outboundPort(), mesh, "http://127.0.0.1:" + outside.port() + "/x", Map.of())
          .outcome();
      assertThat(got).as(c.name()).isEqualTo(new Clients.Outcome(502, "-", "NR", "-"));
    }
  }

  @Test
  void theUpstreamSeesTheServiceAsHost() {
    Clients.Raw raw = Clients.CURL_AS_HTTP_PROXY.get(proxy.outboundPort(), mesh, "http://reviews:9080/h", Map.of());
    assertThat(raw.headers()).containsEntry("x-seen-host", "reviews:9080");
  }
}
