package io.bowline.samples.bookinfo;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The steps of Istio's fault-injection task, after the routing steps' "all to v1" and "jason to
 * reviews v2" (so jason's reviews call ratings):
 *
 * <ol>
 *   <li>a 7 s delay on ratings for jason: reviews v2 would wait 10 s, but productpage gives reviews
 *       3 s and one retry, so jason's page shows reviews unavailable after about 6 s; anonymous
 *       pages (reviews v1, no ratings call) are unaffected;
 *   <li>an HTTP 500 abort on ratings for jason: jason's page says ratings are unavailable.
 * </ol>
 *
 * @param source where the files came from
 * @param steps the steps, in order
 */
public record FaultPlan(String source, List<FaultStep> steps) {
  static final String ISTIO_DELAY = StepPlan.ISTIO_PREFIX + "virtual-service-ratings-test-delay.yaml";
  static final String ISTIO_ABORT = StepPlan.ISTIO_PREFIX + "virtual-service-ratings-test-abort.yaml";

  /** The text productpage shows when reviews did not answer in time. */
  static final String REVIEWS_UNAVAILABLE = "Sorry, product reviews are currently unavailable for this book.";
  /** The text reviews shows when ratings failed. */
  static final String RATINGS_UNAVAILABLE = "Ratings service is currently unavailable";

  public FaultPlan {
    steps = List.copyOf(steps);
  }

  /** The steps on this project's own YAML. */
  public static FaultPlan ownYaml() {
    return plan("class path bookinfo/*.yaml",
        StepPlan.resource("destination-rules.yaml"), StepPlan.resource("vs-all-v1.yaml"),
        StepPlan.resource("vs-reviews-jason-v2.yaml"),
        StepPlan.resource("vs-ratings-jason-delay.yaml"), StepPlan.resource("vs-ratings-jason-abort.yaml"));
  }

  /**
   * The steps on Istio's own files, unchanged, from {@code dir}.
   *
   * @throws IllegalArgumentException naming the files that are missing
   */
  public static FaultPlan istio(Path dir) {
    List<StepPlan.Source> s = StepPlan.read(dir, List.of(StepPlan.ISTIO_DESTINATION_RULES, StepPlan.ISTIO_ALL_V1,
        StepPlan.ISTIO_JASON_V2, ISTIO_DELAY, ISTIO_ABORT));
    return plan(dir.toString(), s.get(0), s.get(1), s.get(2), s.get(3), s.get(4));
  }

  private static FaultPlan plan(String source, StepPlan.Source rules, StepPlan.Source allV1,
      StepPlan.Source jasonV2, StepPlan.Source delay, StepPlan.Source abort) {
    List<ConfigFile> base = List.of(rules.as("10-"), allV1.as("20-"), jasonV2.as("30-"));
    FaultStep.Expected anonymousFine = new FaultStep.Expected(10, "v1", null, 0, 3);
    return new FaultPlan(source, List.of(
        new FaultStep("5 ratings delay", append(base, delay.as("40-")), Map.of(
            Caller.JASON, new FaultStep.Expected(2, null, REVIEWS_UNAVAILABLE, 5.5, 9.5),
            Caller.ANONYMOUS, anonymousFine)),
        new FaultStep("6 ratings abort", append(base, abort.as("40-")), Map.of(
            Caller.JASON, new FaultStep.Expected(10, "v2", RATINGS_UNAVAILABLE, 0, 3),
            Caller.ANONYMOUS, anonymousFine))));
  }

  private static List<ConfigFile> append(List<ConfigFile> base, ConfigFile extra) {
    List<ConfigFile> all = new java.util.ArrayList<>(base);
    all.add(extra);
    return all;
  }
}
