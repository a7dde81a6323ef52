package io.bowline.runtime.docs;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.api.MeshClient;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** The two examples of docs/filters.md, registered as the page shows, against a real server. */
class FilterExamplesTest {
  private static final String FQDN = "reviews.default.svc.cluster.local";
  private static final String V1 = clusterName(9080, "v1", FQDN);

  @Test
  void theAddHeaderAndTimingExamplesWork() throws Exception {
    List<String> log = new CopyOnWriteArrayList<>();
    try (XdsTestServer xds = new XdsTestServer(); ScriptedHttpServer reviews = new ScriptedHttpServer("reviews-v1")) {
      xds.set(Snapshot.create(List.of(edsCluster(V1, Cluster.LbPolicy.ROUND_ROBIN)), List.of(endpoints(V1, reviews.port())),
          List.of(listener(FQDN, 9080)), List.of(routes(FQDN, 9080, toCluster(prefix("/"), V1))), List.of(), "1"));
      try (MeshClient mesh = MeshClient.builder()
          .workload("productpage-v1", "default")
          .xdsServer(xds.address())
          .filter(new AddHeaderFilter("x-team", "bookinfo"))
          .filter(new TimingFilter(log::add))
          .build()) {
        mesh.awaitReady(Duration.ofSeconds(30));
        OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
        try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080/reviews/0").build()).execute()) {
          assertThat(r.body().string()).isEqualTo("reviews-v1");
        }
      }
      assertThat(reviews.requests()).extracting(h -> h.get("x-team")).containsExactly("bookinfo");
      assertThat(log).hasSize(2);
      assertThat(log.get(0)).isEqualTo("attempt 1 to 127.0.0.1:" + reviews.port() + ": 200");
      assertThat(log.get(1)).matches("GET reviews:9080/reviews/0 -> 200 \\[\\] in \\d+ ms \\(cluster " + java.util.regex.Pattern.quote(V1)
          + ", 1 attempts\\)");
    }
  }
}
