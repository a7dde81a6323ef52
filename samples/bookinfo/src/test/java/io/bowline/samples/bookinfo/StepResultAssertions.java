package io.bowline.samples.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/** Assertions on a full run of the four steps, shared by the Istio-files and own-YAML tests. */
final class StepResultAssertions {

  private StepResultAssertions() {}

  /** Every step, for both callers, observed its expected reviews versions, and no page failed. */
  static void assertAllStepsRouted(List<StepResult> results, int requests) {
    assertThat(results).extracting(r -> r.step() + " / " + r.caller().label()).containsExactly(
        "1 all to v1 / jason", "1 all to v1 / anonymous",
        "2 jason to v2 / jason", "2 jason to v2 / anonymous",
        "3 50/50 v1/v3 / jason", "3 50/50 v1/v3 / anonymous",
        "4 all to v3 / jason", "4 all to v3 / anonymous");
    assertThat(results).allSatisfy(r -> {
      assertThat(r.requests()).isEqualTo(requests);
      assertThat(r.errors()).as("failed pages in %s / %s, first: %s", r.step(), r.caller().label(), r.firstError())
          .isZero();
      assertThat(r.ok()).as("%s / %s saw %s, expected %s", r.step(), r.caller().label(), r.versions(),
          r.expected().describe(requests)).isTrue();
    });
    assertThat(results.get(0).share("v1")).isEqualTo(100.0);
    assertThat(results.get(2).share("v2")).as("jason routed by header to v2").isEqualTo(100.0);
    assertThat(results.get(3).share("v1")).as("anonymous stays on v1").isEqualTo(100.0);
    for (StepResult half : results.subList(4, 6)) {
      assertThat(half.share("v1") + half.share("v3")).isEqualTo(100.0);
      assertThat(half.share("v1")).isBetween(34.0, 66.0);
    }
    assertThat(results.get(6).share("v3")).isEqualTo(100.0);
    assertThat(results).extracting(StepResult::configVersion).doesNotContain("0", "");
  }
}
