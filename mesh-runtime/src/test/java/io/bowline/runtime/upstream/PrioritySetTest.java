package io.bowline.runtime.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.api.config.Endpoint;
import io.bowline.api.config.Endpoint.HealthStatus;
import io.bowline.api.config.LbConfig;
import io.bowline.api.config.LbPolicy;
import io.bowline.api.config.LocalityEndpoints;
import io.bowline.api.config.LocalityEndpoints.Locality;
import io.bowline.api.config.OutlierDetection;
import io.bowline.runtime.upstream.lb.ClusterLoadBalancing;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Spec §7 and §9: a host's health (EDS status, outlier ejection, active health checks) changes the
 * cluster's host set, and priority load, degraded hosts, panic and locality weights follow it.
 */
class PrioritySetTest {
  private static final Locality EAST = new Locality("us-east", "a", "");
  private static final Locality WEST = new Locality("us-west", "a", "");

  private static LbConfig panicThreshold(double percent, boolean localityWeighted) {
    return new LbConfig(2, 1.0, 1024, 8_388_608, 65_537, percent, localityWeighted);
  }

  private static List<Endpoint> endpoints(String prefix, int n) {
    List<Endpoint> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(new Endpoint(prefix + i, 8080, 1, HealthStatus.HEALTHY));
    }
    return out;
  }

  private static ClusterLoadBalancing build(LbConfig config, LocalityEndpoints... localities) {
    return ClusterLoadBalancing.build(LbPolicy.ROUND_ROBIN, config,
        new ClusterLoadAssignment("c", List.of(localities), 140), null);
  }

  private static PrioritySet attached(ClusterLoadBalancing lb) {
    PrioritySet set = new PrioritySet();
    set.attach(lb);
    return set;
  }

  private static Set<String> picked(ClusterLoadBalancing lb, int n) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < n; i++) {
      UpstreamHost h = lb.balancer().pick();
      seen.add(h == null ? "UH" : h.endpoint().address());
    }
    return seen;
  }

  @Test
  void ejectingTheOnlyHostWithPanicDisabledLeavesNoHealthyUpstream() {
    var lb = build(panicThreshold(0, false), new LocalityEndpoints(EAST, 0, 1, endpoints("10.0.0.", 1)));
    PrioritySet set = attached(lb);
    assertThat(set.set("10.0.0.1:8080", HealthFlag.FAILED_OUTLIER_CHECK, true)).isTrue();
    assertThat(lb.noHealthyUpstream()).isTrue();
    assertThat(lb.balancer().pick()).isNull();
    assertThat(set.hostSets().get(0).healthyHosts()).isEmpty();
    assertThat(set.set("10.0.0.1:8080", HealthFlag.FAILED_OUTLIER_CHECK, false)).isTrue();
    assertThat(picked(lb, 10)).containsExactly("10.0.0.1");
  }

  @Test
  void withAPanicThresholdEveryHostEjectedSendsTrafficToAllHosts() {
    var lb = build(panicThreshold(50, false), new LocalityEndpoints(EAST, 0, 1, endpoints("10.0.0.", 2)));
    PrioritySet set = attached(lb);
    set.set("10.0.0.1:8080", HealthFlag.FAILED_OUTLIER_CHECK, true);
    assertThat(picked(lb, 50)).containsExactly("10.0.0.2");
    set.set("10.0.0.2:8080", HealthFlag.FAILED_OUTLIER_CHECK, true);
    assertThat(lb.panic(0)).isTrue();
    assertThat(picked(lb, 50)).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
  }

  @Test
  void ejectingTheLocalPriorityMovesItsLoadToTheNextAndUnejectingRestoresIt() {
    var lb = build(panicThreshold(0, true),
        new LocalityEndpoints(EAST, 0, 2, endpoints("10.0.0.", 2)),
        new LocalityEndpoints(WEST, 1, 2, endpoints("10.0.1.", 2)));
    PrioritySet set = attached(lb);
    assertThat(lb.healthyLoad(0)).isEqualTo(100);
    set.set("10.0.0.1:8080", HealthFlag.FAILED_OUTLIER_CHECK, true);
    // health(P0) = 140 × 1/2 = 70: P0 keeps 70 %, P1 takes 30 %.
    assertThat(lb.healthyLoad(0)).isEqualTo(70);
    assertThat(lb.healthyLoad(1)).isEqualTo(30);
    set.set("10.0.0.2:8080", HealthFlag.FAILED_OUTLIER_CHECK, true);
    assertThat(lb.healthyLoad(0)).isZero();
    assertThat(lb.healthyLoad(1)).isEqualTo(100);
    assertThat(picked(lb, 50)).containsExactlyInAnyOrder("10.0.1.1", "10.0.1.2");
    set.set("10.0.0.1:8080", HealthFlag.FAILED_OUTLIER_CHECK, false);
    set.set("10.0.0.2:8080", HealthFlag.FAILED_OUTLIER_CHECK, false);
    assertThat(lb.healthyLoad(0)).isEqualTo(100);
    assertThat(picked(lb, 50)).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
  }

  @Test
  void aDegradedFlagSendsTheHostToTheDegradedSet() {
    var lb = build(panicThreshold(50, false), new LocalityEndpoints(EAST, 0, 1, endpoints("10.0.0.", 2)));
    PrioritySet set = attached(lb);
    set.set("10.0.0.1:8080", HealthFlag.DEGRADED_ACTIVE_HC, true);
    set.set("10.0.0.2:8080", HealthFlag.FAILED_ACTIVE_HC, true);
    // healthy 0, degraded 140 × 1/2 = 70 → NTA 70, all of it degraded, and 50 % available is not below 50 %.
    assertThat(lb.healthyLoad(0)).isZero();
    assertThat(lb.degradedLoad(0)).isEqualTo(100);
    assertThat(lb.panic(0)).isFalse();
    assertThat(picked(lb, 50)).containsExactly("10.0.0.1");
    assertThat(set.hostSets().get(0).degradedHosts()).extracting(h -> h.endpoint().address()).containsExactly("10.0.0.1");
  }

  @Test
  void anUnhealthyHostLowersItsLocalitysWeight() {
    var lb = build(panicThreshold(0, true),
        new LocalityEndpoints(EAST, 0, 1, endpoints("10.0.0.", 2)),
        new LocalityEndpoints(WEST, 0, 1, endpoints("10.0.1.", 2)));
    PrioritySet set = attached(lb);
    set.set("10.0.0.1:8080", HealthFlag.FAILED_OUTLIER_CHECK, true);
    // east: 1 × min(1, 1.4 × 1/2) = 0.7, west: 1 → east gets 0.7 / 1.7 of the traffic.
    int n = 20_000;
    int east = 0;
    for (int i = 0; i < n; i++) {
      if (lb.balancer().pick().endpoint().address().startsWith("10.0.0.")) {
        east++;
      }
    }
    double p = 0.7 / 1.7;
    double sd = Math.sqrt(p * (1 - p) / n);
    assertThat(east / (double) n).isBetween(p - 4.5 * sd, p + 4.5 * sd);
  }

  @Test
  void flagsSurviveANewEndpointAssignmentThatKeepsTheHost() {
    var first = build(panicThreshold(0, false), new LocalityEndpoints(EAST, 0, 1, endpoints("10.0.0.", 2)));
    PrioritySet set = attached(first);
    set.set("10.0.0.1:8080", HealthFlag.FAILED_OUTLIER_CHECK, true);
    var second = ClusterLoadBalancing.build(LbPolicy.ROUND_ROBIN, panicThreshold(0, false),
        new ClusterLoadAssignment("c", List.of(new LocalityEndpoints(EAST, 0, 1, endpoints("10.0.0.", 3))), 140), first);
    set.attach(second);
    assertThat(picked(second, 60)).containsExactlyInAnyOrder("10.0.0.2", "10.0.0.3");
    assertThat(set.health(second.hosts().get(0))).isEqualTo(new HostHealth(HealthFlag.FAILED_OUTLIER_CHECK.bit()));
    set.clear(HealthFlag.FAILED_OUTLIER_CHECK);
    assertThat(picked(second, 60)).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2", "10.0.0.3");
  }

  @Test
  void edsHealthAndOtherFlagsCombine() {
    assertThat(HostHealth.fromEds(HealthStatus.DRAINING).coarse()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(HostHealth.fromEds(HealthStatus.UNKNOWN).coarse()).isEqualTo(HealthStatus.HEALTHY);
    HostHealth degraded = HostHealth.fromEds(HealthStatus.DEGRADED);
    assertThat(degraded.coarse()).isEqualTo(HealthStatus.DEGRADED);
    assertThat(degraded.with(HealthFlag.FAILED_OUTLIER_CHECK, true).coarse()).isEqualTo(HealthStatus.UNHEALTHY);
    assertThat(degraded.with(HealthFlag.FAILED_OUTLIER_CHECK, true)).hasToString("DEGRADED_EDS_HEALTH|FAILED_OUTLIER_CHECK");
    assertThatThrownBy(() -> new PrioritySet().set("10.0.0.1:80", HealthFlag.FAILED_EDS_HEALTH, true))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("endpoint assignment");
  }

  @Test
  void anOutlierEjectionLeavesTheHostSetAndTheSweepAfterItsTimeBringsItBack() {
    var lb = build(panicThreshold(0, false), new LocalityEndpoints(EAST, 0, 1, endpoints("10.0.0.", 1)));
    PrioritySet set = attached(lb);
    AtomicLong now = new AtomicLong(1_000_000_000L);
    OutlierDetection d = OutlierDetection.ENVOY_DEFAULT;
    OutlierDetection od = new OutlierDetection(1, 100, 0, 0, false, 5, 100, Duration.ofSeconds(1),
        Duration.ofSeconds(2), d.maxEjectionTime(), 100, 5, 100, 1900, 0, 85, 5, 50, 0);
    OutlierDetector detector = new OutlierDetector(od, now::get,
        (hostPort, ejected) -> set.set(hostPort, HealthFlag.FAILED_OUTLIER_CHECK, ejected));
    detector.update(od, 1);
    UpstreamHost host = lb.hosts().get(0);
    Runnable intervalTick = () -> {
      now.addAndGet(od.interval().toNanos());
      detector.maybeSweep();
    };
    detector.recordStatus(host, 503);
    assertThat(lb.balancer().pick()).as("ejected: no healthy upstream").isNull();
    intervalTick.run();
    assertThat(lb.balancer().pick()).as("1 s into a 2 s ejection").isNull();
    intervalTick.run();
    assertThat(lb.balancer().pick()).as("the sweep at 2 s un-ejects").isSameAs(host);
    // The second ejection in a row lasts base × 2 = 4 s.
    detector.recordStatus(host, 503);
    for (int second = 1; second < 4; second++) {
      intervalTick.run();
      assertThat(lb.balancer().pick()).as("%s s into a 4 s ejection", second).isNull();
    }
    intervalTick.run();
    assertThat(lb.balancer().pick()).isSameAs(host);
  }
}
