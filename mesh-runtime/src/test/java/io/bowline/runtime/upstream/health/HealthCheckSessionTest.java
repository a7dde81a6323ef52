package io.bowline.runtime.upstream.health;

import static io.bowline.runtime.upstream.health.HealthCheckSession.Result.ACTIVE_FAILURE;
import static io.bowline.runtime.upstream.health.HealthCheckSession.Result.NETWORK_FAILURE;
import static io.bowline.runtime.upstream.health.HealthCheckSession.Result.PASS;
import static io.bowline.runtime.upstream.health.HealthCheckSession.Transition.HEALTHY;
import static io.bowline.runtime.upstream.health.HealthCheckSession.Transition.UNCHANGED;
import static io.bowline.runtime.upstream.health.HealthCheckSession.Transition.UNHEALTHY;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.config.HealthCheck;
import io.bowline.api.config.Int64Range;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Envoy's active health check thresholds and intervals for one host. */
class HealthCheckSessionTest {
  static HealthCheck check(long unhealthy, long healthy) {
    return new HealthCheck(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ZERO, 0, unhealthy, healthy,
        Duration.ofSeconds(60), Duration.ofSeconds(61), Duration.ofSeconds(20), Duration.ofSeconds(5),
        Duration.ofSeconds(3), new HealthCheck.Http("", "/health", List.of(new Int64Range(200, 201)), List.of()));
  }

  @Test
  void aHostLeavesAfterUnhealthyThresholdFailuresInARowAndReturnsAfterHealthyThresholdPasses() {
    HealthCheckSession s = new HealthCheckSession(check(3, 2));
    assertThat(s.record(PASS)).isEqualTo(UNCHANGED);
    assertThat(s.record(NETWORK_FAILURE)).isEqualTo(UNCHANGED);
    assertThat(s.record(NETWORK_FAILURE)).isEqualTo(UNCHANGED);
    assertThat(s.record(PASS)).as("a pass resets the failures").isEqualTo(UNCHANGED);
    assertThat(s.record(NETWORK_FAILURE)).isEqualTo(UNCHANGED);
    assertThat(s.record(NETWORK_FAILURE)).isEqualTo(UNCHANGED);
    assertThat(s.record(NETWORK_FAILURE)).isEqualTo(UNHEALTHY);
    assertThat(s.record(PASS)).isEqualTo(UNCHANGED);
    assertThat(s.record(NETWORK_FAILURE)).as("a failure resets the passes").isEqualTo(UNCHANGED);
    assertThat(s.record(PASS)).isEqualTo(UNCHANGED);
    assertThat(s.record(PASS)).isEqualTo(HEALTHY);
    assertThat(s.unhealthy()).isFalse();
  }

  @Test
  void anActiveFailureOrAFailedFirstProbeMarksTheHostUnhealthyAtOnce() {
    HealthCheckSession s = new HealthCheckSession(check(3, 1));
    s.record(PASS);
    assertThat(s.record(ACTIVE_FAILURE)).as("status not expected nor retriable").isEqualTo(UNHEALTHY);
    HealthCheckSession fresh = new HealthCheckSession(check(3, 1));
    assertThat(fresh.record(NETWORK_FAILURE)).as("the first probe of a new host").isEqualTo(UNHEALTHY);
  }

  @Test
  void intervalsFollowTrafficAndTransitionsAsEnvoyPicksThem() {
    HealthCheckSession s = new HealthCheckSession(check(1, 1));
    s.record(PASS);
    assertThat(s.nextInterval(false)).as("no_traffic_healthy_interval").isEqualTo(Duration.ofSeconds(61));
    assertThat(s.nextInterval(true)).as("interval").isEqualTo(Duration.ofSeconds(10));
    s.record(NETWORK_FAILURE);
    assertThat(s.nextInterval(true)).as("unhealthy_edge_interval").isEqualTo(Duration.ofSeconds(5));
    assertThat(s.nextInterval(false)).as("no_traffic_interval").isEqualTo(Duration.ofSeconds(60));
    s.record(NETWORK_FAILURE);
    assertThat(s.nextInterval(true)).as("unhealthy_interval").isEqualTo(Duration.ofSeconds(20));
    s.record(PASS);
    assertThat(s.nextInterval(true)).as("healthy_edge_interval").isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void jitterAddsUpToIntervalJitterAndItsPercent() {
    HealthCheck c = check(1, 1);
    HealthCheck jittered = new HealthCheck(c.timeout(), c.interval(), Duration.ofSeconds(1), 10, 1, 1,
        c.noTrafficInterval(), c.noTrafficHealthyInterval(), c.unhealthyInterval(), c.unhealthyEdgeInterval(),
        c.healthyEdgeInterval(), c.kind());
    HealthCheckSession s = new HealthCheckSession(jittered);
    s.record(PASS);
    for (int i = 0; i < 100; i++) {
      assertThat(s.nextInterval(true)).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(12));
    }
  }

  @Test
  void aGrpcHealthResponseIsReadFromItsWireForm() {
    assertThat(Probes.servingStatus(new byte[] {0x08, 0x01})).isEqualTo(1);
    assertThat(Probes.servingStatus(new byte[] {0x08, 0x02})).isEqualTo(2);
    assertThat(Probes.servingStatus(new byte[0])).as("UNKNOWN when absent").isZero();
  }
}
