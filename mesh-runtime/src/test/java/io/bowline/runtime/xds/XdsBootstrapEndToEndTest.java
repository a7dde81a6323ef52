package io.bowline.runtime.xds;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.NamedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gRPC xDS bootstrap drives a real MeshClient; a second server takes over (gRFC A71). */
class XdsBootstrapEndToEndTest {
  private static final String FQDN = "ratings.default.svc.cluster.local";

  static Snapshot snapshot(int backendPort) {
    String cluster = clusterName(9080, "", FQDN);
    return Snapshot.create(
        List.of(edsCluster(cluster, Cluster.LbPolicy.ROUND_ROBIN)),
        List.of(endpoints(cluster, backendPort)),
        List.of(listener(FQDN, 9080)),
        List.of(routes(FQDN, 9080, toCluster(prefix(""), cluster))),
        List.of(),
        "1");
  }

  static String istioBootstrap(String... serverUris) {
    StringBuilder servers = new StringBuilder();
    for (String uri : serverUris) {
      servers.append(servers.length() == 0 ? "" : ",")
          .append("{\"server_uri\": \"").append(uri)
          .append("\", \"channel_creds\": [{\"type\": \"insecure\"}], \"server_features\": [\"xds_v3\"]}");
    }
    return "{\"xds_servers\": [" + servers + "], \"node\": {"
        + "\"id\": \"sidecar~10.0.0.1~productpage-v1-123.default~default.svc.cluster.local\","
        + "\"cluster\": \"productpage.default\","
        + "\"metadata\": {\"GENERATOR\": \"grpc\", \"NAMESPACE\": \"default\", \"LABELS\": {\"app\": \"productpage\"}}}}";
  }

  private static String get(OkHttpClient http) throws IOException {
    try (Response r = http.newCall(new Request.Builder().url("http://ratings:9080/ratings/0").build()).execute()) {
      return r.body().string();
    }
  }

  @Test
  void istiosProxylessBootstrapFileRoutesCallsAndNamesTheWorkload(@TempDir Path dir) throws Exception {
    try (NamedHttpServer backend = new NamedHttpServer("v1"); XdsTestServer xds = new XdsTestServer()) {
      xds.set(snapshot(backend.port()));
      Path file = dir.resolve("bootstrap.json");
      Files.writeString(file, istioBootstrap(xds.address()));
      try (MeshClient mesh = MeshClient.builder().bootstrap(file).build()) {
        mesh.awaitReady(Duration.ofSeconds(30));
        assertThat(get(BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build())).isEqualTo("v1");
        assertThat(mesh.workload().name()).isEqualTo("productpage");
        assertThat(mesh.workload().namespace()).isEqualTo("default");
        assertThat(mesh.workload().labels()).containsEntry("app", "productpage");
      }
      assertThat(xds.requests()).first().satisfies(r -> {
        assertThat(r.getNode().getId()).isEqualTo("sidecar~10.0.0.1~productpage-v1-123.default~default.svc.cluster.local");
        assertThat(r.getNode().getMetadata().getFieldsOrThrow("GENERATOR").getStringValue()).isEqualTo("grpc");
        assertThat(r.getNode().getUserAgentName()).isEqualTo("bowline");
      });
    }
  }

  @Test
  void withNoSourceOnTheBuilderTheBootstrapFromTheSystemPropertyIsUsed() throws Exception {
    try (NamedHttpServer backend = new NamedHttpServer("v1"); XdsTestServer xds = new XdsTestServer()) {
      xds.set(snapshot(backend.port()));
      System.setProperty("io.grpc.xds.bootstrapConfig", istioBootstrap(xds.address()));
      try (MeshClient mesh = MeshClient.builder().build()) {
        mesh.awaitReady(Duration.ofSeconds(30));
        assertThat(get(BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build())).isEqualTo("v1");
        assertThat(mesh.workload().name()).isEqualTo("productpage");
      } finally {
        System.clearProperty("io.grpc.xds.bootstrapConfig");
      }
    }
  }

  @Test
  void withNoSourceAtAllBuildSaysWhatToSet() {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("GRPC_XDS_BOOTSTRAP") == null
        && System.getenv("GRPC_XDS_BOOTSTRAP_CONFIG") == null, "a bootstrap is set in the environment");
    assertThatThrownBy(() -> MeshClient.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("GRPC_XDS_BOOTSTRAP");
  }

  @Test
  void builderFieldsOverrideTheBootstrap() throws Exception {
    try (NamedHttpServer backend = new NamedHttpServer("v1"); XdsTestServer xds = new XdsTestServer()) {
      xds.set(snapshot(backend.port()));
      try (MeshClient mesh = MeshClient.builder()
          .bootstrapJson(istioBootstrap("127.0.0.1:1"))
          .xdsServer(xds.address())
          .workload("reviews-v2", "default")
          .build()) {
        mesh.awaitReady(Duration.ofSeconds(30));
        assertThat(get(BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build())).isEqualTo("v1");
        assertThat(mesh.workload().name()).isEqualTo("reviews-v2");
      }
      assertThat(xds.requests()).first().satisfies(r -> {
        assertThat(r.getNode().getCluster()).isEqualTo("reviews-v2.default");
        assertThat(r.getNode().getMetadata().getFieldsOrThrow("GENERATOR").getStringValue()).isEqualTo("grpc");
      });
    }
  }

  @Test
  void anInvalidBootstrapFailsBuildNamingFileAndField(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, "{\"xds_servers\": [{\"server_uri\": \"x:1\"}]}");
    assertThatThrownBy(() -> MeshClient.builder().bootstrap(file).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(file + ": xds_servers[0].channel_creds: is required and must not be empty");
  }

  @Test
  void whenThePrimaryComesBackTheClientSwitchesBackToIt() throws Exception {
    int primaryPort;
    try (ServerSocket s = new ServerSocket(0)) {
      primaryPort = s.getLocalPort();
    }
    try (NamedHttpServer v1 = new NamedHttpServer("v1"); NamedHttpServer v2 = new NamedHttpServer("v2");
        XdsTestServer fallback = new XdsTestServer()) {
      fallback.set(snapshot(v1.port()));
      try (MeshClient mesh = MeshClient.builder()
          .workload("fallback-return", "default")
          .bootstrapJson(istioBootstrap("127.0.0.1:" + primaryPort, fallback.address()))
          .build()) {
        mesh.awaitReady(Duration.ofSeconds(30));
        OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
        assertThat(get(http)).isEqualTo("v1");
        try (XdsTestServer primary = new XdsTestServer(primaryPort)) {
          primary.set(snapshot(v2.port()));
          org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> get(http).equals("v2"));
          assertThat(primary.requests()).first().satisfies(r -> assertThat(r.hasNode()).isTrue());
        }
      }
    }
  }

  @Test
  void whenThePrimaryServerIsUnreachableTheSecondServesTheConfig() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (NamedHttpServer backend = new NamedHttpServer("v1"); XdsTestServer fallback = new XdsTestServer()) {
      fallback.set(snapshot(backend.port()));
      long start = System.nanoTime();
      try (MeshClient mesh = MeshClient.builder()
          .workload("fallback-test", "default")
          .bootstrapJson(istioBootstrap("127.0.0.1:" + closedPort, fallback.address()))
          .build()) {
        mesh.awaitReady(Duration.ofSeconds(30));
        assertThat(Duration.ofNanos(System.nanoTime() - start))
            .as("fallback does not wait for a backoff").isLessThan(Duration.ofSeconds(5));
        assertThat(get(BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build())).isEqualTo("v1");
        assertThat(mesh.status().connected()).isTrue();
      }
    }
  }
}
