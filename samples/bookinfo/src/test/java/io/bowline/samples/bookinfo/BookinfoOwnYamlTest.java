package io.bowline.samples.bookinfo;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The same four steps on the demo's default config: this project's own YAML under {@code bookinfo/}. */
class BookinfoOwnYamlTest {

  private static final int REQUESTS = 200;

  @Test
  void ownYamlRoutesEveryStepAsTheTasksSay() throws Exception {
    List<StepResult> results = BookinfoDemo.runSteps(StepPlan.ownYaml(), REQUESTS, System.out);

    StepResultAssertions.assertAllStepsRouted(results, REQUESTS);
  }
}
