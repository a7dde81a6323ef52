package io.bowline.runtime.adapter.okhttp;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.headerExact;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static io.bowline.runtime.testing.EnvoyResources.weighted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.NamedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * End to end over a real ADS stream: java-control-plane on loopback serves Istio-shaped
 * resources, a {@link MeshClient} subscribes, and an OkHttp client routes to real HTTP servers.
 */
class OkHttpMeshRoutingTest {
  private static final String FQDN = "reviews.default.svc.cluster.local";
  private static final String V1 = clusterName(9080, "v1", FQDN);
  private static final String V2 = clusterName(9080, "v2", FQDN);

  private XdsTestServer xds;
  private NamedHttpServer v1;
  private NamedHttpServer v2;
  private MeshClient mesh;
  private OkHttpClient http;

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
    v1 = new NamedHttpServer("v1");
    v2 = new NamedHttpServer("v2");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    v1.close();
    v2.close();
    xds.close();
  }

  private Snapshot snapshot(String version, Route... routes) {
    return Snapshot.create(
        List.of(edsCluster(V1, Cluster.LbPolicy.ROUND_ROBIN), edsCluster(V2, Cluster.LbPolicy.LEAST_REQUEST)),
        List.of(endpoints(V1, v1.port()), endpoints(V2, v2.port())),
        List.of(listener(FQDN, 9080)),
        List.of(routes(FQDN, 9080, routes)),
        List.of(),
        version);
  }

  private void connect() throws Exception {
    mesh = MeshClient.builder().workload("productpage-v1", "default").xdsServer(xds.address()).build();
    mesh.awaitReady(Duration.ofSeconds(30));
    http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
  }

  private String get(String url, String user) throws IOException {
    Request.Builder b = new Request.Builder().url(url);
    if (user != null) {
      b.header("end-user", user);
    }
    try (Response r = http.newCall(b.build()).execute()) {
      return r.code() + " " + r.body().string();
    }
  }

  @Test
  void routesByHeaderWithShortAndFullNames() throws Exception {
    xds.set(snapshot("1", toCluster(headerExact("end-user", "jason"), V2), toCluster(prefix(""), V1)));
    connect();

    assertThat(get("http://reviews:9080/reviews/0", "jason")).isEqualTo("200 v2");
    assertThat(get("http://reviews:9080/reviews/0", null)).isEqualTo("200 v1");
    assertThat(get("http://" + FQDN + ":9080/reviews/0", "jason")).isEqualTo("200 v2");
    assertThat(get("http://reviews.default:9080/x", "alice")).isEqualTo("200 v1");
  }

  @Test
  void keepsTheOriginalHostHeader() throws Exception {
    xds.set(snapshot("1", toCluster(prefix(""), V1)));
    connect();
    try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute()) {
      assertThat(r.header("x-seen-host")).isEqualTo("reviews:9080");
    }
  }

  @Test
  void passesUnknownHostsThrough() throws Exception {
    xds.set(snapshot("1", toCluster(prefix(""), V1)));
    connect();
    assertThat(get("http://127.0.0.1:" + v2.port() + "/", null)).isEqualTo("200 v2");
  }

  @Test
  void answersNoRouteLocally() throws Exception {
    xds.set(snapshot("1", toCluster(prefix("/only"), V1)));
    connect();
    try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080/other").build()).execute()) {
      assertThat(r.code()).isEqualTo(404);
      assertThat(r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER)).isEqualTo("NR");
    }
  }

  @Test
  void splitsByWeightWithinBinomialTolerance() throws Exception {
    xds.set(snapshot("1", weighted(prefix(""), V1, 20, V2, 80)));
    connect();
    int n = 1000;
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      counts.merge(get("http://reviews:9080/", null), 1, Integer::sum);
    }
    double share = counts.getOrDefault("200 v2", 0) / (double) n;
    double sd = Math.sqrt(0.8 * 0.2 / n);
    assertThat(share).isBetween(0.8 - 4.5 * sd, 0.8 + 4.5 * sd);
  }

  @Test
  void appliesPushedUpdatesWithoutReconnecting() throws Exception {
    xds.set(snapshot("1", toCluster(prefix(""), V1)));
    connect();
    assertThat(get("http://reviews:9080/", null)).isEqualTo("200 v1");

    xds.set(snapshot("2", toCluster(prefix(""), V2)));
    await().atMost(Duration.ofSeconds(10)).until(() -> get("http://reviews:9080/", null).equals("200 v2"));
    assertThat(mesh.status().versionOf(TypeUrls.ROUTE_CONFIGURATION)).isEqualTo("2");
  }

  @Test
  void nacksAnInvalidRouteConfigurationAndKeepsRoutingOnTheLastGoodOne() throws Exception {
    xds.set(snapshot("1", toCluster(prefix(""), V1)));
    connect();
    assertThat(get("http://reviews:9080/", null)).isEqualTo("200 v1");

    RouteMatch badRegex = RouteMatch.newBuilder()
        .setSafeRegex(io.envoyproxy.envoy.type.matcher.v3.RegexMatcher.newBuilder().setRegex("/(unclosed"))
        .build();
    xds.set(snapshot("2", toCluster(badRegex, V2)));

    await().atMost(Duration.ofSeconds(10)).until(() -> nackOf(TypeUrls.ROUTE_CONFIGURATION) != null);
    DiscoveryRequest nack = nackOf(TypeUrls.ROUTE_CONFIGURATION);
    assertThat(nack.getVersionInfo()).isEqualTo("1");
    assertThat(nack.getErrorDetail().getCode()).isEqualTo(3);
    assertThat(nack.getErrorDetail().getMessage())
        .contains("outbound|9080||" + FQDN)
        .contains("virtual_hosts[0].routes[0].match.safe_regex.regex");

    assertThat(get("http://reviews:9080/", null)).isEqualTo("200 v1");
    ClientStatus status = mesh.status();
    assertThat(status.versionOf(TypeUrls.ROUTE_CONFIGURATION)).isEqualTo("1");
    assertThat(status.resources())
        .anySatisfy(r -> {
          assertThat(r.name()).isEqualTo("outbound|9080||" + FQDN);
          assertThat(r.state()).isEqualTo(ClientStatus.State.NACKED);
          assertThat(r.error()).contains("safe_regex");
        });

    xds.set(snapshot("3", toCluster(prefix(""), V2)));
    await().atMost(Duration.ofSeconds(10)).until(() -> get("http://reviews:9080/", null).equals("200 v2"));
  }

  private DiscoveryRequest nackOf(String typeUrl) {
    return xds.requests().stream()
        .filter(r -> r.getTypeUrl().equals(typeUrl) && r.hasErrorDetail())
        .findFirst()
        .orElse(null);
  }
}
