package io.bowline.samples.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Istio's fault-injection task on Bookinfo: the ratings delay for jason is cut short by
 * productpage's own timeout (reviews unavailable after ~6 s), the abort makes ratings unavailable,
 * anonymous pages are unaffected — on this project's YAML and on Istio's unchanged files.
 */
class BookinfoFaultInjectionTest {

  private static void assertAllOk(List<FaultResult> results) {
    results.forEach(r -> System.out.println(r.describe()));
    assertThat(results).hasSize(4);
    assertThat(results).allSatisfy(r -> assertThat(r.ok()).as(r.describe()).isTrue());
  }

  @Test
  void ownYamlDelayIsCutByProductpageAndAbortMakesRatingsUnavailable() throws Exception {
    assertAllOk(BookinfoDemo.runFaultSteps(FaultPlan.ownYaml(), System.out));
  }

  @Test
  void istiosUnchangedRatingsTestDelayAndAbortFiles() throws Exception {
    String shared = System.getProperty("bowline.shared.dir");
    assumeTrue(shared != null, "bowline.shared.dir is not set; Istio fixtures unavailable");
    Path dir = Path.of(shared, "fixtures", "istio");
    assumeTrue(Files.isRegularFile(dir.resolve(FaultPlan.ISTIO_DELAY)), "Istio fixtures not found under " + dir);
    assertAllOk(BookinfoDemo.runFaultSteps(FaultPlan.istio(dir), System.out));
  }
}
