package io.bowline.controlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.TestConfigs;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ControlPlaneCliTest {

  @TempDir
  Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void writeServices() throws IOException {
    Files.copy(TestConfigs.bookinfoServices(), dir.resolve("services.yaml"));
  }

  private int run(String... args) {
    CommandLine commandLine = ControlPlaneCli.commandLine();
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(err));
    return commandLine.execute(args);
  }

  @Test
  void analyzeExitsOneAndNamesFileResourceAndFieldOfAnUndefinedSubset() {
    TestConfigs.write(dir, "reviews.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          http:
          - route:
            - destination: {host: reviews, subset: v9}
        """);

    int exitCode = run("analyze", dir.toString());

    assertThat(exitCode).isEqualTo(1);
    assertThat(out.toString().lines()).containsExactly(
        "ERROR reviews.yaml:8: VirtualService default/reviews: spec.http[0].route[0].destination.subset: "
            + "subset v9 is not defined by any DestinationRule for host reviews.default.svc.cluster.local");
    assertThat(err.toString()).contains("2 files", "1 error");
  }

  @Test
  void analyzeExitsZeroWhenThereAreOnlyWarnings() {
    TestConfigs.write(dir, "reviews.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          http:
          - route:
            - destination: {host: reviews}
          tls:
          - match: [{sniHosts: [reviews]}]
            route:
            - destination: {host: reviews}
        """);

    int exitCode = run("analyze", dir.toString());

    assertThat(exitCode).isZero();
    assertThat(out.toString().lines()).singleElement().asString()
        .startsWith("WARNING reviews.yaml:9: VirtualService default/reviews: spec.tls: ");
  }

  @Test
  void usageErrorsExitTwo() {
    assertThat(run("serve")).isEqualTo(2);
    assertThat(err.toString()).contains("--config");
  }
}
