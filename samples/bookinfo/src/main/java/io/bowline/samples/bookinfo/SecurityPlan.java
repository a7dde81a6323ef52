package io.bowline.samples.bookinfo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Bookinfo part 7 (issue 15): Istio's own {@code destination-rule-all-mtls.yaml} (ISTIO_MUTUAL to every Bookinfo
 * service) with a STRICT namespace-wide PeerAuthentication, then the AuthorizationPolicies of Istio's
 * "Authorization for HTTP traffic" task (istio.io/latest/docs/tasks/security/authorization/authz-http/), unchanged,
 * in the task's order: {@code allow-nothing}, then {@code productpage-viewer}, then {@code details-viewer} and
 * {@code reviews-viewer}, then {@code ratings-viewer}. Every step also routes reviews to v3 (which calls ratings), so
 * each policy's effect shows. For each step: what the mesh caller ({@code sleep}, outside Bookinfo) gets from
 * productpage and which statuses each service answers.
 *
 * @param source where Istio's files came from
 * @param steps the steps, in order
 */
record SecurityPlan(String source, List<SecurityStep> steps) {
  static final String ISTIO_MTLS_RULES = StepPlan.ISTIO_PREFIX + "destination-rule-all-mtls.yaml";
  static final String AUTHZ_PREFIX = "istio.io__tasks__security__authorization__authz-http__"
      + "snip_configure_access_control_for_workloads_using_http_traffic_";
  static final Set<Integer> OK = Set.of(200);
  static final Set<Integer> DENIED = Set.of(403);
  static final Set<Integer> NOT_CALLED = Set.of();

  SecurityPlan {
    steps = List.copyOf(steps);
  }

  /**
   * The plan on Istio's files in {@code dir} ({@code --istio-dir}, else {@link FrontDoor#DEFAULT_ISTIO_DIR}), or empty
   * when {@code destination-rule-all-mtls.yaml} or a task policy is missing there.
   */
  static Optional<SecurityPlan> istio(Path istioDir) {
    Path dir = istioDir == null ? FrontDoor.DEFAULT_ISTIO_DIR : istioDir;
    List<String> names = new ArrayList<>(List.of(ISTIO_MTLS_RULES));
    for (int i = 1; i <= 5; i++) {
      names.add(AUTHZ_PREFIX + i + ".yaml");
    }
    if (!names.stream().allMatch(name -> Files.isRegularFile(dir.resolve(name)))) {
      return Optional.empty();
    }
    List<StepPlan.Source> files = StepPlan.read(dir, names);
    List<ConfigFile> mtls = List.of(files.get(0).as("10-"), StepPlan.resource("vs-all-v1.yaml").as("20-"),
        StepPlan.resource("vs-reviews-v3.yaml").as("30-"), StepPlan.resource("peer-authentication-strict.yaml").as("40-"));
    List<ConfigFile> allowNothing = plus(mtls, files.get(1).as("50-"));
    List<ConfigFile> productpage = plus(allowNothing, files.get(2).as("51-"));
    List<ConfigFile> detailsReviews = plus(plus(productpage, files.get(3).as("52-")), files.get(4).as("53-"));
    List<ConfigFile> ratings = plus(detailsReviews, files.get(5).as("54-"));
    return Optional.of(new SecurityPlan(dir.toString(), List.of(
        new SecurityStep("5 mTLS STRICT", mtls, 200, Map.of(
            "productpage", OK, "details", OK, "reviews", OK, "ratings", OK), true),
        new SecurityStep("6 authz allow-nothing", allowNothing, 403, Map.of(
            "productpage", DENIED, "details", NOT_CALLED, "reviews", NOT_CALLED, "ratings", NOT_CALLED), false),
        new SecurityStep("7 authz productpage-viewer", productpage, 200, Map.of(
            "productpage", OK, "details", DENIED, "reviews", DENIED, "ratings", NOT_CALLED), false),
        new SecurityStep("8 authz details-viewer, reviews-viewer", detailsReviews, 200, Map.of(
            "productpage", OK, "details", OK, "reviews", OK, "ratings", DENIED), false),
        new SecurityStep("9 authz ratings-viewer", ratings, 200, Map.of(
            "productpage", OK, "details", OK, "reviews", OK, "ratings", OK), false))));
  }

  private static List<ConfigFile> plus(List<ConfigFile> files, ConfigFile file) {
    List<ConfigFile> out = new ArrayList<>(files);
    out.add(file);
    return out;
  }
}
