package io.bowline.runtime.xds;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.NamedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** Losing the control plane never stops traffic; the client resubscribes when it comes back. */
class XdsReconnectTest {
  private static final String FQDN = "ratings.default.svc.cluster.local";

  private static Snapshot snapshot(String version, String subset, int port) {
    String cluster = clusterName(9080, subset, FQDN);
    return Snapshot.create(
        List.of(edsCluster(cluster, Cluster.LbPolicy.ROUND_ROBIN)),
        List.of(endpoints(cluster, port)),
        List.of(listener(FQDN, 9080)),
        List.of(routes(FQDN, 9080, toCluster(prefix(""), cluster))),
        List.of(),
        version);
  }

  private static String get(OkHttpClient http) throws IOException {
    try (Response r = http.newCall(new Request.Builder().url("http://ratings:9080/ratings/0").build()).execute()) {
      return r.body().string();
    }
  }

  @Test
  void keepsRoutingOnTheCachedConfigWhileTheServerIsDownAndResubscribesAfter() throws Exception {
    try (NamedHttpServer v1 = new NamedHttpServer("v1"); NamedHttpServer v2 = new NamedHttpServer("v2")) {
      XdsTestServer first = new XdsTestServer();
      int port = first.port();
      first.set(snapshot("1", "v1", v1.port()));
      try (MeshClient mesh = MeshClient.builder().workload("reviews-v2", "default").xdsServer(first.address()).build()) {
        mesh.awaitReady(Duration.ofSeconds(30));
        OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
        assertThat(get(http)).isEqualTo("v1");

        first.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> !mesh.status().connected());
        for (int i = 0; i < 20; i++) {
          assertThat(get(http)).isEqualTo("v1");
        }

        try (XdsTestServer second = new XdsTestServer(port)) {
          second.set(snapshot("2", "v2", v2.port()));
          await().atMost(Duration.ofSeconds(15)).until(() -> get(http).equals("v2"));
          assertThat(mesh.status().connected()).isTrue();
          assertThat(second.requests()).first().satisfies(r -> {
            assertThat(r.hasNode()).isTrue();
            assertThat(r.getVersionInfo()).isEqualTo("1");
          });
        }
      }
    }
  }
}
