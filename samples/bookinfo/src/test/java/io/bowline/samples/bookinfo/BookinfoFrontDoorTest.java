package io.bowline.samples.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Bookinfo from the front door: the ingress gateway (bowline-proxy in the gateway role) serves Istio's unchanged
 * {@code bookinfo-gateway.yaml}, read in place from the shared fixtures; curl and the demo's own client reach
 * {@code /productpage} through it, and the all-v1 and 50/50 steps' shares are measured through it.
 */
class BookinfoFrontDoorTest {

  private static final int REQUESTS = 100;

  @Test
  void throughTheIngressGatewayCurlGetsTheProductPageAndTheStepsShowTheirShares() throws Exception {
    Path istio = sharedDir().resolve("fixtures").resolve("istio");
    Optional<Path> gatewayYaml = FrontDoor.gatewayYaml(istio);
    assumeTrue(gatewayYaml.isPresent(), "Istio's " + FrontDoor.ISTIO_GATEWAY + " not found in " + istio.toAbsolutePath());

    FrontDoor.Result result = FrontDoor.run(StepPlan.istio(istio).frontDoor(), gatewayYaml.get(), REQUESTS,
        BookinfoDemo.CONVERGENCE_TIMEOUT, System.out);

    assertThat(result.curl()).hasSize(2);
    assertThat(result.curl().get(0)).as("routed by the Gateway's VirtualService").endsWith("/productpage -> 200 flags=-");
    assertThat(result.curl().get(1)).as("no route on the gateway").endsWith("/reviews/0 -> 404 flags=NR");
    assertThat(result.steps()).extracting(r -> r.step() + " / " + r.caller().label()).containsExactly(
        "1 all to v1 / jason", "1 all to v1 / anonymous", "3 50/50 v1/v3 / jason", "3 50/50 v1/v3 / anonymous");
    assertThat(result.steps()).allSatisfy(r -> {
      assertThat(r.errors()).as("failed pages in %s / %s, first: %s", r.step(), r.caller().label(), r.firstError())
          .isZero();
      assertThat(r.ok()).as("%s / %s saw %s", r.step(), r.caller().label(), r.versions()).isTrue();
    });
    assertThat(result.steps().get(0).share("v1")).isEqualTo(100.0);
    assertThat(result.steps().get(1).share("v1")).isEqualTo(100.0);
    for (StepResult half : result.steps().subList(2, 4)) {
      assertThat(half.share("v1") + half.share("v3")).isEqualTo(100.0);
      assertThat(half.share("v1")).isBetween(30.0, 70.0);
    }
  }

  private static Path sharedDir() {
    String property = System.getProperty("bowline.shared.dir");
    return property == null || property.isBlank() ? Path.of("../../../shared") : Path.of(property);
  }
}
