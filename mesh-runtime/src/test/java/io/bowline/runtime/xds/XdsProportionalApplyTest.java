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

import io.bowline.api.Workload;
import io.bowline.runtime.bootstrap.ServerInfo;
import io.bowline.runtime.snapshot.MeshSnapshot;
import io.bowline.runtime.snapshot.SnapshotCompiler;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Applying an update costs in proportion to what changed: when only one load assignment changes (state of
 * the world resends every resource; delta sends only that one), the other resources keep their decoded
 * instances, the unchanged types keep their maps, and the compiled snapshot keeps its listeners and the
 * unchanged clusters' entries (load balancers and all), while the changed cluster gets the new endpoints.
 */
class XdsProportionalApplyTest {
  private static final String RATINGS = "ratings.default.svc.cluster.local";
  private static final String DETAILS = "details.default.svc.cluster.local";
  private static final String RATINGS_CLUSTER = clusterName(9080, "", RATINGS);
  private static final String DETAILS_CLUSTER = clusterName(9080, "", DETAILS);

  private static Snapshot snapshot(String version, int ratingsPort) {
    return Snapshot.create(
        List.of(edsCluster(RATINGS_CLUSTER, Cluster.LbPolicy.ROUND_ROBIN),
            edsCluster(DETAILS_CLUSTER, Cluster.LbPolicy.ROUND_ROBIN)),
        List.of(endpoints(RATINGS_CLUSTER, ratingsPort), endpoints(DETAILS_CLUSTER, 7000)),
        List.of(listener(RATINGS, 9080), listener(DETAILS, 9080)),
        List.of(routes(RATINGS, 9080, toCluster(prefix(""), RATINGS_CLUSTER)),
            routes(DETAILS, 9080, toCluster(prefix(""), DETAILS_CLUSTER))),
        List.of(), version);
  }

  @ParameterizedTest(name = "delta={0}")
  @ValueSource(booleans = {false, true})
  void anEndpointChangeReusesEverythingElse(boolean delta) throws Exception {
    AtomicReference<XdsResources> latest = new AtomicReference<>();
    try (XdsTestServer server = new XdsTestServer()) {
      server.set(snapshot("1", 8001));
      XdsClient client = new XdsClient(new XdsClientConfig(List.of(new ServerInfo(server.address(), "insecure",
          Set.of())), NodeFactory.forWorkload(new Workload("w", "default", Map.of()), "cluster.local"),
          Duration.ofSeconds(15), delta));
      try {
        client.watch(latest::set);
        client.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> latest.get() != null && latest.get().complete()
            && latest.get().endpoints().size() == 2);
        XdsResources before = latest.get();
        SnapshotCompiler compiler = new SnapshotCompiler("default", "cluster.local");
        MeshSnapshot first = compiler.compile(before);

        server.set(snapshot("2", 8002));
        await().atMost(Duration.ofSeconds(10)).until(() -> port(latest.get(), RATINGS_CLUSTER) == 8002);
        XdsResources after = latest.get();
        MeshSnapshot second = compiler.compile(after);

        assertThat(after.endpoints().get(DETAILS_CLUSTER)).as("unchanged assignment not decoded again")
            .isSameAs(before.endpoints().get(DETAILS_CLUSTER));
        assertThat(after.listeners()).as("unchanged types keep their maps").isSameAs(before.listeners());
        assertThat(after.routes()).isSameAs(before.routes());
        assertThat(after.clusters()).isSameAs(before.clusters());
        assertThat(second.listener(RATINGS, 9080)).as("listeners not compiled again")
            .isSameAs(first.listener(RATINGS, 9080));
        assertThat(second.cluster(DETAILS_CLUSTER)).as("unchanged cluster kept")
            .isSameAs(first.cluster(DETAILS_CLUSTER));
        assertThat(second.cluster(RATINGS_CLUSTER)).isNotSameAs(first.cluster(RATINGS_CLUSTER));
        assertThat(second.cluster(RATINGS_CLUSTER).assignment()).isEqualTo(after.endpoints().get(RATINGS_CLUSTER));
      } finally {
        client.close();
      }
    }
  }

  private static int port(XdsResources resources, String cluster) {
    var assignment = resources == null ? null : resources.endpoints().get(cluster);
    if (assignment == null || assignment.localities().isEmpty()
        || assignment.localities().get(0).endpoints().isEmpty()) {
      return -1;
    }
    return assignment.localities().get(0).endpoints().get(0).port();
  }
}
