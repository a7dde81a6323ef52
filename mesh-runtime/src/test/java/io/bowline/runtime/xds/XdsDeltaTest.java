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

import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.NamedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** Incremental ADS against java-control-plane's delta support (SimpleCache delta watches). */
class XdsDeltaTest {
  private static final String RATINGS = "ratings.default.svc.cluster.local";
  private static final String DETAILS = "details.default.svc.cluster.local";

  /** ratings routed to {@code ratingsSubset}; details present when {@code withDetails}. */
  private static Snapshot snapshot(String version, String ratingsSubset, int port, boolean withDetails) {
    String ratings = clusterName(9080, ratingsSubset, RATINGS);
    List<Cluster> clusters = new ArrayList<>(List.of(edsCluster(ratings, Cluster.LbPolicy.ROUND_ROBIN)));
    var cla = new ArrayList<>(List.of(endpoints(ratings, port)));
    var listeners = new ArrayList<>(List.of(listener(RATINGS, 9080)));
    var routeConfigs = new ArrayList<>(List.of(routes(RATINGS, 9080, toCluster(prefix(""), ratings))));
    if (withDetails) {
      String details = clusterName(9080, "", DETAILS);
      clusters.add(edsCluster(details, Cluster.LbPolicy.ROUND_ROBIN));
      cla.add(endpoints(details, port));
      listeners.add(listener(DETAILS, 9080));
      routeConfigs.add(routes(DETAILS, 9080, toCluster(prefix(""), details)));
    }
    return Snapshot.create(clusters, cla, listeners, routeConfigs, List.of(), version);
  }

  private static String get(OkHttpClient http, String host) throws IOException {
    try (Response r = http.newCall(new Request.Builder().url("http://" + host + ":9080/").build()).execute()) {
      return r.body().string();
    }
  }

  private static ClientStatus.Resource statusOf(MeshClient mesh, String typeUrl, String name) {
    return mesh.status().resources().stream()
        .filter(r -> r.typeUrl().equals(typeUrl) && r.name().equals(name)).findFirst().orElse(null);
  }

  @Test
  void fetchesUpdatesAndRemovesIncrementally() throws Exception {
    try (NamedHttpServer v1 = new NamedHttpServer("v1"); NamedHttpServer v2 = new NamedHttpServer("v2");
        XdsTestServer xds = new XdsTestServer()) {
      xds.set(snapshot("1", "v1", v1.port(), true));
      try (MeshClient mesh = MeshClient.builder().workload("delta", "default").xdsServer(xds.address())
          .deltaXds(true).build()) {
        mesh.awaitReady(Duration.ofSeconds(30));
        OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
        assertThat(get(http, "ratings")).isEqualTo("v1");
        assertThat(get(http, "details")).isEqualTo("v1");
        assertThat(xds.requests()).as("no state-of-the-world requests").isEmpty();
        DeltaDiscoveryRequest first = xds.deltaRequests().get(0);
        assertThat(first.hasNode()).isTrue();
        assertThat(first.getResourceNamesSubscribeList()).as("wildcard").isEmpty();
        assertThat(xds.deltaRequests()).filteredOn(r -> r.getTypeUrl().equals(TypeUrls.ROUTE_CONFIGURATION))
            .first().satisfies(r -> assertThat(r.getResourceNamesSubscribeList())
                .containsExactly(clusterName(9080, "", DETAILS), clusterName(9080, "", RATINGS)));

        xds.set(snapshot("2", "v2", v2.port(), false));
        await().atMost(Duration.ofSeconds(10)).until(() -> get(http, "ratings").equals("v2"));
        await().untilAsserted(() -> assertThat(statusOf(mesh, TypeUrls.LISTENER, DETAILS + ":9080").state())
            .isEqualTo(ClientStatus.State.DOES_NOT_EXIST));
        await().untilAsserted(() -> assertThat(xds.deltaRequests())
            .anySatisfy(r -> assertThat(r.getResourceNamesUnsubscribeList())
                .contains(clusterName(9080, "", DETAILS))));
        assertThat(xds.deltaRequests()).allSatisfy(r -> assertThat(r.hasErrorDetail()).isFalse());
      }
    }
  }

  @Test
  void afterReconnectingTheFirstRequestListsTheCachedVersions() throws Exception {
    try (NamedHttpServer v1 = new NamedHttpServer("v1")) {
      XdsTestServer first = new XdsTestServer();
      int port = first.port();
      first.set(snapshot("1", "v1", v1.port(), false));
      try (MeshClient mesh = MeshClient.builder().workload("delta-reconnect", "default").xdsServer(first.address())
          .deltaXds(true).build()) {
        mesh.awaitReady(Duration.ofSeconds(30));
        OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
        first.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> !mesh.status().connected());
        assertThat(get(http, "ratings")).isEqualTo("v1");
        try (XdsTestServer second = new XdsTestServer(port)) {
          second.set(snapshot("1", "v1", v1.port(), false));
          await().atMost(Duration.ofSeconds(15)).until(() -> mesh.status().connected());
          // connected means a response arrived on the new stream: the server may answer the stream's first request
          // before it has read the ones the client sent after it (EDS comes fourth)
          await().atMost(Duration.ofSeconds(10)).until(() -> second.deltaRequests().stream().map(r -> r.getTypeUrl())
              .toList().containsAll(List.of(TypeUrls.LISTENER, TypeUrls.CLUSTER_LOAD_ASSIGNMENT)));
          assertThat(second.deltaRequests()).filteredOn(r -> r.getTypeUrl().equals(TypeUrls.LISTENER))
              .first().satisfies(r -> assertThat(r.getInitialResourceVersionsMap()).containsKey(RATINGS + ":9080"));
          assertThat(second.deltaRequests()).filteredOn(r -> r.getTypeUrl().equals(TypeUrls.CLUSTER_LOAD_ASSIGNMENT))
              .first().satisfies(r -> assertThat(r.getInitialResourceVersionsMap())
                  .containsKey(clusterName(9080, "v1", RATINGS)));
          assertThat(get(http, "ratings")).isEqualTo("v1");
        }
      }
    }
  }
}
