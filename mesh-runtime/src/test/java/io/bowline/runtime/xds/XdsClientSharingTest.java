package io.bowline.runtime.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.api.MeshClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** One ADS stream per (server, node) in a process, reference counted. */
class XdsClientSharingTest {
  @Test
  void twoMeshClientsOfOneWorkloadShareOneStreamUntilTheLastCloses() throws Exception {
    try (ScriptedAdsServer server = new ScriptedAdsServer()) {
      MeshClient first = MeshClient.builder().workload("shared", "default").xdsServer(server.address()).build();
      MeshClient second = MeshClient.builder().workload("shared", "default").xdsServer(server.address()).build();
      MeshClient other = MeshClient.builder().workload("other", "default").xdsServer(server.address()).build();
      await().untilAsserted(() -> assertThat(server.openStreams()).isEqualTo(2));
      assertThat(server.streamsOpened()).as("one per workload").isEqualTo(2);

      first.close();
      first.close();
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
          .untilAsserted(() -> assertThat(server.openStreams()).isEqualTo(2));
      second.close();
      await().untilAsserted(() -> assertThat(server.openStreams()).isEqualTo(1));
      other.close();
      await().untilAsserted(() -> assertThat(server.openStreams()).isZero());
    }
  }
}
