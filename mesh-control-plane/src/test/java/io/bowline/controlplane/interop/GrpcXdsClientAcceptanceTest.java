package io.bowline.controlplane.interop;

import static io.bowline.controlplane.interop.BookinfoReviewsMesh.call;
import static io.bowline.controlplane.interop.BookinfoReviewsMesh.distribution;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The proof that an xDS client we did not write accepts what we serve: grpc-java's own xDS client
 * ({@code grpc-xds}, an {@code xds:///} channel, bootstrap with node metadata {@code GENERATOR: grpc}) reads
 * the Istio Bookinfo samples from our control plane, ACKs every resource type, and routes Health.Check
 * RPCs to the reviews subsets as Istio says (setup: {@link BookinfoReviewsMesh}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(BookinfoReviewsMesh.Resolver.class)
class GrpcXdsClientAcceptanceTest {
  private static final int CALLS = 400;

  private static BookinfoReviewsMesh mesh;

  @BeforeAll
  static void start(BookinfoReviewsMesh shared) {
    mesh = shared;
  }

  @Test
  @Order(1)
  void grpcJavaAcksEveryTypeAndRoutesAllToV3() throws IOException {
    mesh.useVirtualService("samples__bookinfo__networking__virtual-service-reviews-v3.yaml");
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .untilAsserted(() -> assertThat(call(mesh.grpcXds(), null)).isEqualTo("v3"));

    assertThat(distribution(mesh.grpcXds(), null, CALLS)).containsOnlyKeys("v3");
    mesh.assertGrpcXdsAckedAll();
  }

  @Test
  @Order(2)
  void weightedSplitFollowsTheVirtualServiceWithinBinomialTolerance() throws IOException {
    mesh.useVirtualService("samples__bookinfo__networking__virtual-service-reviews-80-20.yaml");
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .untilAsserted(() -> assertThat(call(mesh.grpcXds(), null)).isIn("v1", "v2"));

    Map<String, Integer> counts = distribution(mesh.grpcXds(), null, CALLS);
    assertThat(counts).containsOnlyKeys("v1", "v2");
    // p = 0.8, n = 400: sd = 8; accept ±4 sd.
    assertThat(counts.get("v1")).isBetween(CALLS * 8 / 10 - 32, CALLS * 8 / 10 + 32);
    mesh.assertGrpcXdsAckedAll();
  }

  @Test
  @Order(3)
  void headerMatchSendsJasonToV2AndEveryoneElseToV3() throws IOException {
    mesh.useVirtualService("samples__bookinfo__networking__virtual-service-reviews-jason-v2-v3.yaml");
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .untilAsserted(() -> assertThat(call(mesh.grpcXds(), null)).isEqualTo("v3"));

    assertThat(distribution(mesh.grpcXds(), "jason", CALLS)).containsOnlyKeys("v2");
    assertThat(distribution(mesh.grpcXds(), "someone-else", CALLS)).containsOnlyKeys("v3");
    mesh.assertGrpcXdsAckedAll();
  }

  @Test
  @Order(4)
  void consistentHashOnAHeaderPinsEachUserToOneWorkload() throws IOException {
    try {
      // the VirtualService first: it names no subset, so the rule without subsets is valid after it
      mesh.useYaml("20-vs.yaml", """
          apiVersion: networking.istio.io/v1
          kind: VirtualService
          metadata: {name: reviews}
          spec:
            hosts: [reviews]
            http:
            - route: [{destination: {host: reviews}}]
          """);
      mesh.useYaml("10-dr.yaml", """
          apiVersion: networking.istio.io/v1
          kind: DestinationRule
          metadata: {name: reviews}
          spec:
            host: reviews
            trafficPolicy:
              loadBalancer:
                consistentHash: {httpHeaderName: end-user, ringHash: {minimumRingSize: 1024}}
          """);
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .untilAsserted(() -> assertThat(distribution(mesh.grpcXds(), "user-0", 10)).hasSize(1));

      Map<String, Integer> seen = new HashMap<>();
      for (int user = 0; user < 30; user++) {
        Map<String, Integer> counts = distribution(mesh.grpcXds(), "user-" + user, 10);
        assertThat(counts).as("user-%d", user).hasSize(1);
        seen.merge(counts.keySet().iterator().next(), 1, Integer::sum);
      }
      // 30 users over 3 equally weighted hosts: all on one host has probability 3 * 3^-30.
      assertThat(seen).hasSizeGreaterThan(1);
      mesh.assertGrpcXdsAckedAll();
    } finally {
      mesh.restoreDestinationRule();
    }
  }

  @Test
  @Order(5)
  void aCorsPolicyIsAcceptedAndIgnoredByGrpcJava() throws IOException {
    mesh.useYaml("20-vs.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          http:
          - route: [{destination: {host: reviews, subset: v2}}]
            corsPolicy:
              allowOrigins: [{exact: "https://example.com"}]
              allowMethods: [POST]
              maxAge: 1h
        """);
    // the previous rule also reaches v2 (one call in three): wait for the ACK of this one, not for a v2
    mesh.assertGrpcXdsAckedAll();
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .untilAsserted(() -> assertThat(call(mesh.grpcXds(), null)).isEqualTo("v2"));
    assertThat(distribution(mesh.grpcXds(), null, 20)).containsOnlyKeys("v2");
  }
}
