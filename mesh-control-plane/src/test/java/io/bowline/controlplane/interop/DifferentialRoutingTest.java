package io.bowline.controlplane.interop;

import static io.bowline.controlplane.interop.BookinfoReviewsMesh.AUTHORITY;
import static io.bowline.controlplane.interop.BookinfoReviewsMesh.BOWLINE_VIEW;
import static io.bowline.controlplane.interop.BookinfoReviewsMesh.TYPES;
import static io.bowline.controlplane.interop.BookinfoReviewsMesh.distribution;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.grpc.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The differential test: grpc-java's own xDS client and Bowline's runtime (its gRPC adapter) read
 * the same Istio Bookinfo fixtures from the same {@code LocalControlPlane} (setup:
 * {@link BookinfoReviewsMesh}); both ACK everything, and the same requests reach the same reviews
 * subsets, in shares within binomial tolerance of what the VirtualService says and of each other.
 */
@ExtendWith(BookinfoReviewsMesh.Resolver.class)
class DifferentialRoutingTest {
  private static final int CALLS = 400;
  /** Accepted deviation, in binomial standard deviations. */
  private static final double SDS = 4;

  private static BookinfoReviewsMesh reviews;
  private static MeshClient bowline;

  @BeforeAll
  static void start(BookinfoReviewsMesh shared) throws Exception {
    reviews = shared;
    bowline = MeshClient.builder()
        .workload("productpage-bowline", "default")
        .label("app", "productpage")
        .xdsServer("127.0.0.1:" + reviews.controlPlane().port())
        .build();
    bowline.awaitReady(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    if (bowline != null) {
      bowline.close();
    }
  }

  /** Fixture, then per {@code end-user} header value ({@code ""}: none) the expected share of each subset. */
  static Stream<Arguments> fixtures() {
    return Stream.of(
        Arguments.of("samples__bookinfo__networking__virtual-service-all-v1.yaml",
            Map.of("", Map.of("v1", 1.0), "jason", Map.of("v1", 1.0))),
        Arguments.of("samples__bookinfo__networking__virtual-service-reviews-test-v2.yaml",
            Map.of("", Map.of("v1", 1.0), "jason", Map.of("v2", 1.0))),
        Arguments.of("samples__bookinfo__networking__virtual-service-reviews-80-20.yaml",
            Map.of("", Map.of("v1", 0.8, "v2", 0.2))),
        Arguments.of("samples__bookinfo__networking__virtual-service-reviews-v3.yaml",
            Map.of("", Map.of("v3", 1.0), "jason", Map.of("v3", 1.0))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void grpcJavaAndBowlineRouteTheSameRequestsToTheSameSubsets(String fixture,
      Map<String, Map<String, Double>> expected) throws IOException {
    reviews.useVirtualService(fixture);
    awaitBothApplied();
    Channel ours = BowlineGrpc.channel(bowline, AUTHORITY);

    expected.forEach((user, shares) -> {
      String endUser = user.isEmpty() ? null : user;
      Map<String, Integer> theirs = distribution(reviews.grpcXds(), endUser, CALLS);
      Map<String, Integer> mine = distribution(ours, endUser, CALLS);
      assertThat(mine.keySet()).as("subsets reached by Bowline, end-user %s", user).isEqualTo(theirs.keySet())
          .isEqualTo(shares.keySet());
      shares.forEach((subset, p) -> {
        double sd = Math.sqrt(p * (1 - p) / CALLS);
        double a = theirs.get(subset) / (double) CALLS;
        double b = mine.get(subset) / (double) CALLS;
        assertThat(a).as("grpc-xds share of %s, end-user %s", subset, user).isBetween(p - SDS * sd, p + SDS * sd);
        assertThat(b).as("Bowline share of %s, end-user %s", subset, user).isBetween(p - SDS * sd, p + SDS * sd);
        // difference of two binomial shares: sd × √2
        assertThat(Math.abs(a - b)).as("grpc-xds vs Bowline share of %s", subset)
            .isLessThanOrEqualTo(SDS * sd * Math.sqrt(2));
      });
    });
  }

  /** Both clients hold the configuration served for their view (default/app=productpage; Bowline's with auto-mTLS). */
  private static void awaitBothApplied() {
    reviews.assertGrpcXdsAckedAll();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      ClientStatus status = bowline.status();
      for (String type : TYPES) {
        assertThat(status.versionOf(type)).as(type).isEqualTo(reviews.controlPlane().servedVersion(BOWLINE_VIEW, type));
      }
    });
  }
}
