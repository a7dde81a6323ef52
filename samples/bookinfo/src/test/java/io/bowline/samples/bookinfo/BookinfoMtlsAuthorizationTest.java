package io.bowline.samples.bookinfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 part 7: Istio's own {@code destination-rule-all-mtls.yaml} with a STRICT namespace-wide
 * PeerAuthentication, then the authz-http task's AuthorizationPolicies, unchanged, read in place from the shared
 * fixtures; the Bookinfo services serve through the runtime's inbound API (mTLS, RBAC) and report the peer SPIFFE
 * IDs they saw.
 */
class BookinfoMtlsAuthorizationTest {
  private static final String PRODUCTPAGE_ID = "spiffe://cluster.local/ns/default/sa/bookinfo-productpage";
  private static final String REVIEWS_ID = "spiffe://cluster.local/ns/default/sa/bookinfo-reviews";

  @Test
  void strictMtlsThenEachAuthzTaskPolicyAllowsAndDeniesAsTheTaskSays() throws Exception {
    Path fixtures = sharedDir().resolve("fixtures").resolve("istio");
    Optional<SecurityPlan> plan = SecurityPlan.istio(fixtures);
    assumeTrue(plan.isPresent(), "Istio's mTLS and authz-http fixtures not found at " + fixtures.toAbsolutePath());

    List<SecurityResult> results = BookinfoDemo.runSecuritySteps(plan.get(), System.out);
    results.forEach(r -> r.lines().forEach(line -> System.out.println(r.step() + ": " + line)));

    assertThat(results).extracting(SecurityResult::step).containsExactly("5 mTLS STRICT", "6 authz allow-nothing",
        "7 authz productpage-viewer", "8 authz details-viewer, reviews-viewer", "9 authz ratings-viewer");
    assertThat(results).allSatisfy(r -> assertThat(r.ok()).as(r.step() + ": " + r.lines()).isTrue());
    SecurityResult strict = results.get(0);
    assertThat(strict.lines()).contains(
        "productpage-v1 answered " + SecurityStepRunner.REQUESTS + " x 200 to peer " + MeshCaller.SPIFFE_ID,
        "details-v1 answered " + SecurityStepRunner.REQUESTS + " x 200 to peer " + PRODUCTPAGE_ID,
        "reviews-v3 answered " + SecurityStepRunner.REQUESTS + " x 200 to peer " + PRODUCTPAGE_ID,
        "ratings-v1 answered " + SecurityStepRunner.REQUESTS + " x 200 to peer " + REVIEWS_ID);
    assertThat(strict.lines()).anyMatch(l -> l.startsWith("plaintext GET /productpage") && l.contains("refused"));
    assertThat(results.get(1).lines()).contains(
        "productpage-v1 answered " + SecurityStepRunner.REQUESTS + " x 403 to peer " + MeshCaller.SPIFFE_ID);
    assertThat(results.get(3).lines()).anyMatch(l -> l.startsWith("ratings-v1 answered") && l.endsWith(
        " x 403 to peer " + REVIEWS_ID));
  }

  private static Path sharedDir() {
    String property = System.getProperty("bowline.shared.dir");
    return property == null || property.isBlank() ? Path.of("../../../shared") : Path.of(property);
  }
}
