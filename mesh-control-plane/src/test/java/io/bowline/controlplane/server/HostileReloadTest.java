package io.bowline.controlplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.translate.ClientView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live control plane with Bowline's runtime attached keeps watching and applying good changes after a
 * file that once killed its config watcher (a self-referencing YAML alias), and starts with such a file in
 * its directory.
 */
class HostileReloadTest {

  private static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  private static final ClientView VIEW = ClientView.sidecar("default", Map.of("app", "productpage"), "", true);
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String LOOP = """
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: loop}
      spec: &r {hosts: [reviews], http: [*r]}
      """;

  @TempDir
  Path dir;

  @BeforeEach
  void writeBookinfo() throws IOException {
    Files.copy(TestConfigs.bookinfoServices(), dir.resolve("00-services.yaml"));
    TestConfigs.write(dir, "10-reviews-dr.yaml", TestConfigs.REVIEWS_SUBSETS);
    writeReviewsRoute("v1");
  }

  private void writeReviewsRoute(String subset) {
    TestConfigs.write(dir, "20-reviews-vs.yaml",
        TestConfigs.reviewsRoute("reviews", "{host: reviews, subset: " + subset + "}"));
  }

  private static MeshClient client(LocalControlPlane controlPlane) {
    return MeshClient.builder()
        .workload("productpage-1", "default")
        .label("app", "productpage")
        .xdsServer("127.0.0.1:" + controlPlane.port())
        .build();
  }

  @Test
  void aRecursiveAliasIsRejectedAndTheNextGoodChangeIsApplied() throws Exception {
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0);
        MeshClient client = client(controlPlane)) {
      client.awaitReady(WAIT);
      String good = controlPlane.published().version();

      TestConfigs.write(dir, "30-loop.yaml", LOOP);
      await().atMost(WAIT).untilAsserted(() -> assertThat(controlPlane.diagnostics())
          .anySatisfy(d -> assertThat(d.toString()).startsWith("ERROR 30-loop.yaml:4: recursive alias")));
      assertThat(controlPlane.published().version()).isEqualTo(good);

      Files.delete(dir.resolve("30-loop.yaml"));
      writeReviewsRoute("v2");
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(Long.parseLong(controlPlane.published().version())).isGreaterThan(Long.parseLong(good));
        assertThat(controlPlane.diagnostics()).noneMatch(Diagnostic::isError);
        ClientStatus status = client.status();
        assertThat(status.versionOf(RDS)).isEqualTo(controlPlane.servedVersion(VIEW, RDS))
            .isEqualTo(controlPlane.published().version());
      });
      assertThat(controlPlane.acks().nacks()).isEmpty();
    }
  }

  @Test
  void anAddressThatCannotWorkIsRefusedByNameAndTheClientKeepsTheLastGoodConfiguration() throws Exception {
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0);
        MeshClient client = client(controlPlane)) {
      client.awaitReady(WAIT);
      String good = controlPlane.published().version();

      TestConfigs.write(dir, "30-vm.yaml", """
          apiVersion: networking.istio.io/v1
          kind: WorkloadEntry
          metadata: {name: reviews-vm}
          spec: {address: 999.1.1.1, labels: {app: reviews, version: v1}}
          """);
      await().atMost(WAIT).untilAsserted(() -> assertThat(controlPlane.diagnostics()).anySatisfy(d ->
          assertThat(d.toString()).startsWith("ERROR 30-vm.yaml:4: WorkloadEntry default/reviews-vm: spec.address: "
              + "invalid address \"999.1.1.1\"")));

      assertThat(controlPlane.published().version()).isEqualTo(good);
      assertThat(controlPlane.servedPublish(VIEW)).isEqualTo(good);
      await().atMost(WAIT).untilAsserted(() ->
          assertThat(client.status().versionOf(RDS)).isEqualTo(controlPlane.servedVersion(VIEW, RDS)));
      assertThat(controlPlane.acks().nacks()).isEmpty();
    }
  }

  @Test
  void startsWithARecursiveAliasInItsDirectoryServingNothingAndAppliesTheFix() throws Exception {
    TestConfigs.write(dir, "30-loop.yaml", LOOP);
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0);
        MeshClient client = client(controlPlane)) {
      assertThat(controlPlane.published().version()).isEqualTo("0");
      assertThat(controlPlane.diagnostics()).filteredOn(Diagnostic::isError).singleElement()
          .satisfies(d -> assertThat(d.line()).isEqualTo(4));

      TestConfigs.write(dir, "30-loop.yaml", LOOP.replace("[*r]", "[{route: [{destination: {host: reviews}}]}]"));
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(controlPlane.published().version()).isEqualTo("1");
        assertThat(client.status().versionOf(RDS)).isEqualTo("1");
      });
    }
  }
}
