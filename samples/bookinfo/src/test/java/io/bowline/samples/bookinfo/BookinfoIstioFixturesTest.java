package io.bowline.samples.bookinfo;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Istio's request-routing and traffic-shifting tasks on Istio's own Bookinfo files, unchanged,
 * read in place from the shared fixtures ({@code ${bowline.shared.dir}/fixtures/istio}).
 */
class BookinfoIstioFixturesTest {

  private static final int REQUESTS = 200;

  @Test
  void istiosOwnFilesRouteEveryStepAsTheTasksSay() throws Exception {
    Path fixtures = sharedDir().resolve("fixtures").resolve("istio");
    assumeTrue(Files.isRegularFile(fixtures.resolve(StepPlan.ISTIO_ALL_V1)),
        "shared fixtures not found at " + fixtures.toAbsolutePath());

    List<StepResult> results = BookinfoDemo.runSteps(StepPlan.istio(fixtures), REQUESTS, System.out);

    StepResultAssertions.assertAllStepsRouted(results, REQUESTS);
  }

  private static Path sharedDir() {
    String property = System.getProperty("bowline.shared.dir");
    return property == null || property.isBlank() ? Path.of("../../../shared") : Path.of(property);
  }
}
