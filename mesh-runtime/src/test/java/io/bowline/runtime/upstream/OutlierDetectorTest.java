package io.bowline.runtime.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.api.config.Endpoint;
import io.bowline.api.config.LbPolicy;
import io.bowline.api.config.LocalityEndpoints;
import io.bowline.api.config.OutlierDetection;
import io.bowline.runtime.upstream.lb.ClusterLoadBalancing;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Spec §9: consecutive counters, ejection time = base × multiplier (capped), decay, max %. */
class OutlierDetectorTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private static List<UpstreamHost> hosts(int n) {
    List<Endpoint> eps = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      eps.add(new Endpoint("10.0.0." + (i + 1), 9080, 1, Endpoint.HealthStatus.HEALTHY));
    }
    ClusterLoadAssignment cla = new ClusterLoadAssignment(
        "c", List.of(new LocalityEndpoints(LocalityEndpoints.Locality.NONE, 0, 1, eps)), 140);
    return ClusterLoadBalancing.build(LbPolicy.ROUND_ROBIN, cla, null).hosts();
  }

  private OutlierDetector detector(OutlierDetection od, int hosts) {
    OutlierDetector d = new OutlierDetector(od, now::get);
    d.update(od, hosts);
    return d;
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void fiveConsecutive5xxEjectAndASuccessResetsTheCount() {
    List<UpstreamHost> hs = hosts(2);
    OutlierDetector d = detector(withMaxPercent(50), 2);
    UpstreamHost h = hs.get(0);
    for (int i = 0; i < 4; i++) {
      d.recordStatus(h, 503);
    }
    d.recordStatus(h, 200);
    for (int i = 0; i < 4; i++) {
      d.recordStatus(h, 500);
    }
    assertThat(d.isEjected(h)).isFalse();
    d.recordStatus(h, 500);
    assertThat(d.isEjected(h)).isTrue();
    assertThat(d.isEjected(hs.get(1))).isFalse();
  }

  @Test
  void ejectionTimeGrowsWithEjectionsAndIsCapped() {
    List<UpstreamHost> hs = hosts(2);
    OutlierDetector d = detector(withMaxPercent(50), 2);
    UpstreamHost h = hs.get(0);
    long[] expectedSeconds = {30, 60, 90};
    for (long expected : expectedSeconds) {
      for (int i = 0; i < 5; i++) {
        d.recordLocalOriginFailure(h);
      }
      assertThat(d.isEjected(h)).isTrue();
      advance(Duration.ofSeconds(expected - 1));
      assertThat(d.isEjected(h)).as("still ejected before %ss", expected).isTrue();
      advance(Duration.ofSeconds(11)); // past the end, and a sweep (interval 10 s) has run
      assertThat(d.isEjected(h)).as("back after %ss", expected).isFalse();
    }
    assertThat(d.multiplier(h.endpoint().hostPort())).isEqualTo(3);
  }

  @Test
  void multiplierDecaysOnePerIntervalWhileNotEjected() {
    List<UpstreamHost> hs = hosts(2);
    OutlierDetector d = detector(withMaxPercent(50), 2);
    UpstreamHost h = hs.get(0);
    for (int i = 0; i < 5; i++) {
      d.recordStatus(h, 502);
    }
    advance(Duration.ofSeconds(31));
    assertThat(d.isEjected(h)).isFalse();
    d.maybeSweep(); // the sweep that lifts the ejection leaves the multiplier
    assertThat(d.multiplier(h.endpoint().hostPort())).isEqualTo(1);
    advance(Duration.ofSeconds(11));
    d.maybeSweep();
    assertThat(d.multiplier(h.endpoint().hostPort())).isZero();
  }

  @Test
  void maxEjectionPercentLimitsEjections() {
    List<UpstreamHost> hs = hosts(3);
    OutlierDetector d = detector(OutlierDetection.ENVOY_DEFAULT, 3); // 10 % of 3 hosts: none
    for (int i = 0; i < 10; i++) {
      d.recordStatus(hs.get(0), 500);
    }
    assertThat(d.isEjected(hs.get(0))).isFalse();
  }

  @Test
  void gatewayFailuresAreOffByDefaultButEnforcedWhenConfigured() {
    List<UpstreamHost> hs = hosts(2);
    OutlierDetection base = withMaxPercent(50);
    OutlierDetection gw = new OutlierDetection(0, 100, 3, 100, false, 5, 100, base.interval(),
        base.baseEjectionTime(), base.maxEjectionTime(), 50, 5, 100, 1900, 100, 85, 5, 50, 0);
    OutlierDetector d = detector(gw, 2);
    d.recordStatus(hs.get(0), 503);
    d.recordStatus(hs.get(0), 500); // not a gateway error: resets the gateway count
    d.recordStatus(hs.get(0), 504);
    d.recordStatus(hs.get(0), 502);
    assertThat(d.isEjected(hs.get(0))).isFalse();
    d.recordStatus(hs.get(0), 503);
    assertThat(d.isEjected(hs.get(0))).isTrue();
  }

  @Test
  void failurePercentageEjectsAtTheInterval() {
    List<UpstreamHost> hs = hosts(5);
    OutlierDetection base = withMaxPercent(50);
    OutlierDetection fp = new OutlierDetection(0, 0, 0, 0, false, 5, 100, base.interval(),
        base.baseEjectionTime(), base.maxEjectionTime(), 50, 5, 100, 1900, 0, 85, 5, 50, 100);
    OutlierDetector d = detector(fp, 5);
    for (UpstreamHost h : hs) {
      for (int i = 0; i < 60; i++) {
        d.recordStatus(h, h == hs.get(4) && i % 10 != 0 ? 500 : 200);
      }
    }
    advance(Duration.ofSeconds(10));
    d.maybeSweep();
    assertThat(d.isEjected(hs.get(4))).isTrue();
    assertThat(d.isEjected(hs.get(0))).isFalse();
  }

  private static OutlierDetection withMaxPercent(int pct) {
    OutlierDetection d = OutlierDetection.ENVOY_DEFAULT;
    return new OutlierDetection(d.consecutive5xx(), d.enforcingConsecutive5xx(), d.consecutiveGatewayFailure(),
        d.enforcingConsecutiveGatewayFailure(), false, 5, 100, d.interval(), d.baseEjectionTime(),
        d.maxEjectionTime(), pct, 5, 100, 1900, 100, 85, 5, 50, 0);
  }
}
