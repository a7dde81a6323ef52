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
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** State of the world against java-control-plane: initial fetch, update, removal, ACK contents, NACK. */
class XdsConformanceTest {
  private static final String A = "a.default.svc.cluster.local";
  private static final String B = "b.default.svc.cluster.local";

  private static Snapshot snapshot(String version, boolean withB, boolean brokenCluster) {
    List<Cluster> clusters = new ArrayList<>();
    var cla = new ArrayList<io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment>();
    var listeners = new ArrayList<io.envoyproxy.envoy.config.listener.v3.Listener>();
    var rcs = new ArrayList<io.envoyproxy.envoy.config.route.v3.RouteConfiguration>();
    for (String host : withB ? List.of(A, B) : List.of(A)) {
      String c = clusterName(80, "", host);
      clusters.add(edsCluster(c, Cluster.LbPolicy.ROUND_ROBIN));
      cla.add(endpoints(c, 8080));
      listeners.add(listener(host, 80));
      rcs.add(routes(host, 80, toCluster(prefix(""), c)));
    }
    if (brokenCluster) {
      clusters.add(edsCluster("broken", Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
          .setType(Cluster.DiscoveryType.ORIGINAL_DST).build());
    }
    return Snapshot.create(clusters, cla, listeners, rcs, List.of(), version);
  }

  private static ClientStatus.State state(MeshClient mesh, String typeUrl, String name) {
    return mesh.status().resources().stream()
        .filter(r -> r.typeUrl().equals(typeUrl) && r.name().equals(name))
        .map(ClientStatus.Resource::state).findFirst().orElse(null);
  }

  @Test
  void fetchUpdateRemovalAndNackAgainstJavaControlPlane() throws Exception {
    try (XdsTestServer xds = new XdsTestServer()) {
      xds.set(snapshot("1", true, false));
      try (MeshClient mesh = MeshClient.builder().workload("conformance", "default").xdsServer(xds.address()).build()) {
        mesh.awaitReady(Duration.ofSeconds(30));
        for (String type : List.of(TypeUrls.LISTENER, TypeUrls.ROUTE_CONFIGURATION, TypeUrls.CLUSTER,
            TypeUrls.CLUSTER_LOAD_ASSIGNMENT)) {
          assertThat(mesh.status().versionOf(type)).as(type).isEqualTo("1");
        }
        assertThat(state(mesh, TypeUrls.CLUSTER_LOAD_ASSIGNMENT, clusterName(80, "", B)))
            .isEqualTo(ClientStatus.State.ACKED);
        // every ACK names the version and nonce of a response it received
        await().untilAsserted(() -> assertThat(xds.requests())
            .filteredOn(r -> r.getTypeUrl().equals(TypeUrls.LISTENER) && r.getVersionInfo().equals("1"))
            .allSatisfy(r -> assertThat(r.getResponseNonce()).isNotEmpty()));

        xds.set(snapshot("2", false, false));
        await().untilAsserted(() -> {
          assertThat(state(mesh, TypeUrls.LISTENER, B + ":80")).isEqualTo(ClientStatus.State.DOES_NOT_EXIST);
          assertThat(state(mesh, TypeUrls.CLUSTER, clusterName(80, "", B))).isEqualTo(ClientStatus.State.DOES_NOT_EXIST);
          assertThat(state(mesh, TypeUrls.CLUSTER_LOAD_ASSIGNMENT, clusterName(80, "", B)))
              .as("unsubscribed once no cluster names it").isNull();
          assertThat(mesh.status().versionOf(TypeUrls.CLUSTER)).isEqualTo("2");
        });
        await().untilAsserted(() -> assertThat(xds.requests()).anySatisfy(r -> {
          assertThat(r.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER_LOAD_ASSIGNMENT);
          assertThat(r.getResourceNamesList()).containsExactly(clusterName(80, "", A));
        }));

        xds.set(snapshot("3", false, true));
        await().untilAsserted(() -> {
          // an assertion, not orElseThrow: awaitility retries only on AssertionError, and the NACK may not be recorded yet
          Optional<DiscoveryRequest> sent = xds.requests().stream()
              .filter(r -> r.getTypeUrl().equals(TypeUrls.CLUSTER) && r.hasErrorDetail()).findFirst();
          assertThat(sent).as("a NACK of the cluster update").isPresent();
          DiscoveryRequest nack = sent.get();
          assertThat(nack.getVersionInfo()).isEqualTo("2");
          assertThat(nack.getErrorDetail().getMessage()).startsWith("Cluster 'broken': type");
          assertThat(state(mesh, TypeUrls.CLUSTER, "broken")).isEqualTo(ClientStatus.State.NACKED);
        });
        assertThat(mesh.status().versionOf(TypeUrls.CLUSTER)).isEqualTo("2");
        assertThat(state(mesh, TypeUrls.CLUSTER, clusterName(80, "", A))).isEqualTo(ClientStatus.State.ACKED);
      }
    }
  }
}
