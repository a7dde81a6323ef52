package io.bowline.runtime.staticconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.NamedHttpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code staticConfig(Path)}: routing from an Envoy file, no control plane. */
class StaticConfigMeshClientTest {
  @Test
  void routesFromStaticResourcesAndReportsRejectedOnesByName(@TempDir Path dir) throws Exception {
    try (NamedHttpServer v1 = new NamedHttpServer("v1")) {
      Path file = dir.resolve("envoy.yaml");
      Files.writeString(file, """
          static_resources:
            listeners:
            - name: ratings.default.svc.cluster.local:9080
              api_listener:
                api_listener:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ratings
                  route_config:
                    name: ratings
                    ignore_port_in_host_matching: true
                    virtual_hosts:
                    - name: ratings
                      domains: ["ratings.default.svc.cluster.local", "ratings"]
                      routes:
                      - match: {prefix: "/"}
                        route: {cluster: ratings-v1}
                  http_filters:
                    name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
            clusters:
            - name: ratings-v1
              type: STATIC
              lb_policy: ROUND_ROBIN
              load_assignment:
                cluster_name: ratings-v1
                endpoints:
                - lb_endpoints:
                  - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
            - name: broken
              type: ORIGINAL_DST
          """.formatted(v1.port()));
      try (MeshClient mesh = MeshClient.builder().workload("static", "default").staticConfig(file).build()) {
        mesh.awaitReady(Duration.ofSeconds(1));
        OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
        try (Response r = http.newCall(new Request.Builder().url("http://ratings:9080/x").build()).execute()) {
          assertThat(r.code() + " " + r.body().string()).isEqualTo("200 v1");
        }
        assertThat(mesh.status().resources()).filteredOn(res -> res.name().equals("broken")).singleElement()
            .satisfies(res -> {
              assertThat(res.state()).isEqualTo(ClientStatus.State.NACKED);
              assertThat(res.error()).startsWith("Cluster 'broken': type");
            });
      }
    }
  }

  private static String listenerFile() {
    return """
        resources:
        - "@type": type.googleapis.com/envoy.config.listener.v3.Listener
          name: ratings.default.svc.cluster.local:9080
          api_listener:
            api_listener:
              "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
              stat_prefix: ratings
              route_config:
                name: ratings
                ignore_port_in_host_matching: true
                virtual_hosts:
                - name: ratings
                  domains: ["ratings"]
                  routes:
                  - match: {prefix: "/"}
                    route: {cluster: ratings}
              http_filters:
              - name: envoy.filters.http.router
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """;
  }

  private static String clusterFile(int port) {
    return """
        resources:
        - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
          name: ratings
          type: STATIC
          load_assignment:
            cluster_name: ratings
            endpoints:
            - lb_endpoints:
              - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
        """.formatted(port);
  }

  @Test
  void followsAndWatchesTheFilesDynamicResourcesName(@TempDir Path dir) throws Exception {
    try (NamedHttpServer v1 = new NamedHttpServer("v1"); NamedHttpServer v2 = new NamedHttpServer("v2")) {
      Path lds = dir.resolve("lds.yaml");
      Path cds = dir.resolve("cds.yaml");
      Files.writeString(lds, listenerFile());
      Files.writeString(cds, clusterFile(v1.port()));
      Path envoy = dir.resolve("envoy.yaml");
      Files.writeString(envoy, """
          node: {id: id_1, cluster: test}
          dynamic_resources:
            cds_config: {path_config_source: {path: %s}, resource_api_version: V3}
            lds_config: {path_config_source: {path: %s}, resource_api_version: V3}
          """.formatted(cds, lds));
      try (MeshClient mesh = MeshClient.builder().workload("static-fs", "default").staticConfig(envoy).build()) {
        OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
        assertThat(get(http)).isEqualTo("v1");

        Files.writeString(cds, "resources: [ {\"@type\": ");
        Path next = dir.resolve("cds.next");
        Files.writeString(next, clusterFile(v2.port()));
        Files.move(next, cds, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> get(http).equals("v2"));
      }
    }
  }

  private static String get(OkHttpClient http) throws java.io.IOException {
    try (Response r = http.newCall(new Request.Builder().url("http://ratings:9080/").build()).execute()) {
      return r.body().string();
    }
  }

  @Test
  void aFileThatDoesNotLoadFailsBuildNamingIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "static_resources: {clusters: [{name: x, type: NOT_A_TYPE}]}");
    assertThatThrownBy(() -> MeshClient.builder().staticConfig(file).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(file + ": ");
  }
}
