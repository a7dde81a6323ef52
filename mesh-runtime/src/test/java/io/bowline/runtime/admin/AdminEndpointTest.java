package io.bowline.runtime.admin;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.weighted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.util.JsonFormat;
import io.bowline.api.MeshClient;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.NamedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.admin.v3.ClientResourceStatus;
import io.envoyproxy.envoy.admin.v3.ClusterStatus;
import io.envoyproxy.envoy.admin.v3.Clusters;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.admin.v3.SecretsConfigDump;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.service.status.v3.ClientStatusDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.status.v3.ClientStatusRequest;
import io.envoyproxy.envoy.service.status.v3.ClientStatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admin endpoint over a real ADS stream (java-control-plane on loopback), asked with real HTTP requests:
 * {@code /ready} before and after the first configuration, {@code /config_dump} parsed back into
 * {@code envoy.admin.v3.ConfigDump} (a NACKed cluster with its {@code error_state}, key material redacted),
 * {@code /clusters} in Envoy's text and JSON forms with live request counters, {@code /stats},
 * {@code /stats/prometheus}, and CSDS over gRPC.
 */
class AdminEndpointTest {
  private static final String FQDN = "reviews.default.svc.cluster.local";
  private static final String V1 = clusterName(9080, "v1", FQDN);
  private static final String V2 = clusterName(9080, "v2", FQDN);
  private static final String KEY_MARKER = "KEYMATERIAL-4f1c";
  static final JsonFormat.TypeRegistry TYPES = JsonFormat.TypeRegistry.newBuilder()
      .add(List.of(BootstrapConfigDump.getDescriptor(), ClustersConfigDump.getDescriptor(),
          EndpointsConfigDump.getDescriptor(), ListenersConfigDump.getDescriptor(), RoutesConfigDump.getDescriptor(),
          SecretsConfigDump.getDescriptor(), Listener.getDescriptor(), HttpConnectionManager.getDescriptor(),
          Router.getDescriptor(), HTTPFault.getDescriptor(), RouteConfiguration.getDescriptor(),
          Cluster.getDescriptor(), ClusterLoadAssignment.getDescriptor(), UpstreamTlsContext.getDescriptor(),
          com.google.protobuf.Struct.getDescriptor()))
      .build();

  private final HttpClient client = HttpClient.newHttpClient();
  private XdsTestServer xds;
  private NamedHttpServer v1;
  private NamedHttpServer v2;
  private PrometheusMeterRegistry registry;
  private MeshClient mesh;

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
    v1 = new NamedHttpServer("v1");
    v2 = new NamedHttpServer("v2");
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    mesh = MeshClient.builder().workload("productpage-v1", "default").xdsServer(xds.address())
        .meterRegistry(registry).adminPort(0).build();
  }

  @AfterEach
  void tearDown() throws Exception {
    mesh.close();
    v1.close();
    v2.close();
    xds.close();
  }

  private Snapshot snapshot(String version, Cluster... more) {
    List<Cluster> clusters = new java.util.ArrayList<>(List.of(edsCluster(V1, Cluster.LbPolicy.ROUND_ROBIN),
        edsCluster(V2, Cluster.LbPolicy.LEAST_REQUEST)));
    clusters.addAll(List.of(more));
    return Snapshot.create(clusters, List.of(endpoints(V1, v1.port()), endpoints(V2, v2.port())),
        List.of(listener(FQDN, 9080)), List.of(routes(FQDN, 9080, weighted(prefix("/"), V1, 50, V2, 50))),
        List.of(), version);
  }

  private HttpResponse<String> get(String pathAndQuery) throws Exception {
    InetSocketAddress a = mesh.adminAddress().orElseThrow();
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + pathAndQuery)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static ConfigDump parseDump(String json) throws Exception {
    ConfigDump.Builder b = ConfigDump.newBuilder();
    JsonFormat.parser().usingTypeRegistry(TYPES).merge(json, b);
    return b.build();
  }

  static <T extends com.google.protobuf.Message> T section(ConfigDump dump, Class<T> type) throws Exception {
    for (Any a : dump.getConfigsList()) {
      if (a.is(type)) {
        return a.unpack(type);
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in the dump");
  }

  @Test
  void listensOnLoopbackAndIsNotReadyBeforeTheFirstConfiguration() throws Exception {
    assertThat(mesh.adminAddress()).hasValueSatisfying(a -> assertThat(a.getAddress().isLoopbackAddress()).isTrue());
    assertThat(get("/ready").statusCode()).isEqualTo(503);
    assertThat(get("/ready").body()).isEqualTo("INITIALIZING\n");
    assertThat(get("/healthz").statusCode()).isEqualTo(200);

    xds.set(snapshot("1"));
    mesh.awaitReady(Duration.ofSeconds(30));
    HttpResponse<String> ready = get("/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("LIVE\n");
  }

  @Test
  void configDumpParsesBackIntoEnvoysConfigDumpWithEveryResourceAndItsVersion() throws Exception {
    xds.set(snapshot("1"));
    mesh.awaitReady(Duration.ofSeconds(30));

    HttpResponse<String> r = get("/config_dump?include_eds");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    ConfigDump dump = parseDump(r.body());

    assertThat(section(dump, BootstrapConfigDump.class).getBootstrap().getNode().getId()).contains("productpage-v1");
    ListenersConfigDump lds = section(dump, ListenersConfigDump.class);
    assertThat(lds.getVersionInfo()).isEqualTo("1");
    assertThat(lds.getDynamicListenersList()).singleElement().satisfies(l -> {
      assertThat(l.getName()).isEqualTo(FQDN + ":9080");
      assertThat(l.getClientStatus()).isEqualTo(ClientResourceStatus.ACKED);
      assertThat(l.getActiveState().getVersionInfo()).isEqualTo("1");
      assertThat(l.getActiveState().hasLastUpdated()).isTrue();
      assertThat(l.getActiveState().getListener().unpack(Listener.class).getApiListener().getApiListener()
          .unpack(HttpConnectionManager.class).getRds().getRouteConfigName()).isEqualTo(clusterName(9080, "", FQDN));
    });
    assertThat(section(dump, RoutesConfigDump.class).getDynamicRouteConfigsList()).singleElement()
        .satisfies(rc -> assertThat(rc.getRouteConfig().unpack(RouteConfiguration.class).getName())
            .isEqualTo(clusterName(9080, "", FQDN)));
    ClustersConfigDump cds = section(dump, ClustersConfigDump.class);
    assertThat(cds.getVersionInfo()).isEqualTo("1");
    assertThat(cds.getDynamicActiveClustersList()).extracting(c -> c.getCluster().unpack(Cluster.class).getName())
        .containsExactlyInAnyOrder(V1, V2);
    assertThat(section(dump, EndpointsConfigDump.class).getDynamicEndpointConfigsList())
        .extracting(e -> e.getEndpointConfig().unpack(ClusterLoadAssignment.class).getClusterName())
        .containsExactlyInAnyOrder(V1, V2);

    ConfigDump withoutEds = parseDump(get("/config_dump").body());
    assertThat(withoutEds.getConfigsList()).noneMatch(a -> a.is(EndpointsConfigDump.class));
  }

  @Test
  void aNackedClusterShowsItsErrorStateAndTheLastGoodOnesKeepServing() throws Exception {
    xds.set(snapshot("1"));
    mesh.awaitReady(Duration.ofSeconds(30));
    xds.set(snapshot("2", edsCluster("broken", Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
        .setType(Cluster.DiscoveryType.ORIGINAL_DST).build()));

    await().untilAsserted(() -> {
      ClustersConfigDump cds = section(parseDump(get("/config_dump").body()), ClustersConfigDump.class);
      assertThat(cds.getDynamicActiveClustersList()).filteredOn(c -> c.getClientStatus() == ClientResourceStatus.NACKED)
          .singleElement().satisfies(c -> {
            assertThat(c.getErrorState().getDetails()).startsWith("Cluster 'broken': type");
            assertThat(c.getErrorState().hasLastUpdateAttempt()).isTrue();
            assertThat(c.getErrorState().getFailedConfiguration().unpack(Cluster.class).getName()).isEqualTo("broken");
            assertThat(c.hasCluster()).as("never accepted").isFalse();
          });
      assertThat(cds.getVersionInfo()).as("the last accepted CDS version").isEqualTo("1");
      assertThat(cds.getDynamicActiveClustersList()).filteredOn(c -> c.getClientStatus() == ClientResourceStatus.ACKED)
          .hasSize(2);
    });
  }

  @Test
  void keyAndCertificateMaterialNeverAppearInTheDumpAcceptedOrRejected() throws Exception {
    UpstreamTlsContext tls = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificates(TlsCertificate.newBuilder()
            .setCertificateChain(DataSource.newBuilder().setInlineString("-----BEGIN CERTIFICATE-----"))
            .setPrivateKey(DataSource.newBuilder().setInlineString("-----BEGIN PRIVATE KEY-----" + KEY_MARKER))))
        .build();
    xds.set(snapshot("1", edsCluster("tls", Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
            .setTypedConfig(Any.pack(tls))).build()));
    mesh.awaitReady(Duration.ofSeconds(30));
    await().until(() -> mesh.status().resources().stream().anyMatch(r -> r.name().equals("tls")));

    String json = get("/config_dump?include_eds").body();
    // Beyond Envoy, certificate chains are redacted too (issue 15: no certificate material in a dump).
    assertThat(json).doesNotContain(KEY_MARKER).contains("[redacted]").doesNotContain("-----BEGIN");
    assertThat(parseDump(json).getConfigsCount()).isEqualTo(6);
  }

  @Test
  void clustersShowEachHostsHealthWeightAndLiveRequestCounters() throws Exception {
    xds.set(snapshot("1"));
    mesh.awaitReady(Duration.ofSeconds(30));
    OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
    for (int i = 0; i < 4; i++) {
      try (Response r = http.newCall(new Request.Builder().url("http://" + FQDN + ":9080/").build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
    }

    String text = get("/clusters").body();
    String host1 = V1 + "::127.0.0.1:" + v1.port() + "::";
    assertThat(text).contains(V1 + "::default_priority::max_requests::1024\n", V1 + "::added_via_api::true\n",
        host1 + "health_flags::healthy\n", host1 + "weight::1\n", host1 + "rq_active::0\n", host1 + "priority::0\n");
    long total = text.lines().filter(l -> l.contains("::rq_total::"))
        .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf("::") + 2))).sum();
    assertThat(total).as("rq_total over both clusters' hosts").isEqualTo(4);

    Clusters.Builder json = Clusters.newBuilder();
    JsonFormat.parser().merge(get("/clusters?format=json").body(), json);
    assertThat(json.getClusterStatusesList()).extracting(ClusterStatus::getName).containsExactly(V1, V2);
    assertThat(json.getClusterStatuses(0).getHostStatuses(0).getAddress().getSocketAddress().getPortValue())
        .isEqualTo(v1.port());
    assertThat(json.getClusterStatuses(0).getHostStatuses(0).getHealthStatus().getEdsHealthStatus())
        .isEqualTo(io.envoyproxy.envoy.config.core.v3.HealthStatus.HEALTHY);
    assertThat(get("/clusters?format=yaml").statusCode()).isEqualTo(400);
  }

  @Test
  void statsListTheClientsMetersAndPrometheusScrapesTheSameRegistry() throws Exception {
    xds.set(snapshot("1"));
    mesh.awaitReady(Duration.ofSeconds(30));

    String stats = get("/stats").body();
    assertThat(stats).contains("bowline.xds.connected").containsPattern("bowline\\.xds\\.updates\\{[^}]*type=Cluster");
    assertThat(get("/stats?filter=nacks").body().lines()).isNotEmpty().allMatch(l -> l.contains("nacks"));
    assertThat(get("/stats?filter=(").statusCode()).isEqualTo(400);

    HttpResponse<String> prom = get("/stats/prometheus");
    assertThat(prom.statusCode()).isEqualTo(200);
    assertThat(prom.headers().firstValue("content-type").orElseThrow()).startsWith("text/plain; version=0.0.4");
    assertThat(prom.body()).contains("# TYPE bowline_xds_updates_total counter").isEqualTo(registry.scrape());
  }

  @Test
  void onlyGetIsAnsweredAndUnknownPathsPointToHelp() throws Exception {
    InetSocketAddress a = mesh.adminAddress().orElseThrow();
    HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort()
        + "/config_dump")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(get("/quitquitquit").statusCode()).isEqualTo(404);
    assertThat(get("/help").body()).contains("/config_dump", "/clusters", "/stats/prometheus");
    assertThat(get("/").headers().firstValue("content-type")).hasValue("text/html; charset=UTF-8");
  }

  @Test
  void csdsOverGrpcReportsEachResourceWithItsStatus() throws Exception {
    xds.set(snapshot("1"));
    mesh.awaitReady(Duration.ofSeconds(30));
    try (AdminHandlers handlers = RuntimeMeshClient.of(mesh).adminHandlers()) {
      Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
          .addService(handlers.csds()).build().start();
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
      try {
        ClientStatusResponse r = ClientStatusDiscoveryServiceGrpc.newBlockingStub(ch)
            .withDeadlineAfter(10, TimeUnit.SECONDS).fetchClientStatus(ClientStatusRequest.getDefaultInstance());
        assertThat(r.getConfigList()).singleElement().satisfies(c -> {
          assertThat(c.getNode().getId()).contains("productpage-v1");
          assertThat(c.getGenericXdsConfigsList()).anySatisfy(g -> {
            assertThat(g.getTypeUrl()).isEqualTo("type.googleapis.com/envoy.config.listener.v3.Listener");
            assertThat(g.getName()).isEqualTo(FQDN + ":9080");
            assertThat(g.getClientStatus()).isEqualTo(ClientResourceStatus.ACKED);
            assertThat(g.getXdsConfig().unpack(Listener.class).getName()).isEqualTo(FQDN + ":9080");
          });
        });
      } finally {
        ch.shutdownNow();
        server.shutdownNow();
      }
    }
  }
}
