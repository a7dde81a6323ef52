package io.bowline.runtime;

import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.MeshClient;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link MeshClient#onConfigUpdate}: told after each handled update, with the status already showing it. */
class ConfigUpdateListenerTest {
  private static final String SVC = "listen.default.svc.cluster.local";
  private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

  private static Snapshot snapshot(String version, int port) {
    String c = "listen-cluster";
    return Snapshot.create(List.of(edsCluster(c, Cluster.LbPolicy.ROUND_ROBIN)), List.of(endpoints(c, port)),
        List.of(listener(SVC, 80)), List.of(routes(SVC, 80, toCluster(prefix(""), c))), List.of(), version);
  }

  @Test
  void listenersSeeEachAppliedVersionInTheStatusAndStopAfterRemoval() throws Exception {
    try (XdsTestServer xds = new XdsTestServer()) {
      xds.set(snapshot("1", 8001));
      try (MeshClient mesh = MeshClient.builder().workload("listen", "default").xdsServer(xds.address()).build()) {
        mesh.awaitReady(Duration.ofSeconds(30));
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        Runnable remove = mesh.onConfigUpdate(() -> seen.add(mesh.status().versionOf(CDS)));

        xds.set(snapshot("2", 8002));
        String version;
        do {
          version = seen.poll(10, TimeUnit.SECONDS);
          assertThat(version).as("an update reached the listener; seen %s, status %s", seen, mesh.status().versionOf(CDS)).isNotNull();
        } while (!version.equals("2"));

        remove.run();
        remove.run();
        seen.clear();
        xds.set(snapshot("3", 8003));
        org.awaitility.Awaitility.await().until(() -> "3".equals(mesh.status().versionOf(CDS)));
        assertThat(seen).isEmpty();
      }
    }
  }
}
