package io.bowline.runtime.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.api.config.Endpoint;
import io.bowline.api.config.Endpoint.HealthStatus;
import io.bowline.api.config.LbConfig;
import io.bowline.api.config.LbPolicy;
import io.bowline.api.config.LocalityEndpoints;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Spec §7: priorities, overprovisioning factor, degraded hosts, panic threshold, locality weights. */
class PriorityLoadTest {

  /** {@code healthy} of 100 hosts healthy at P0, P1 all healthy. */
  private static ClusterLoadBalancing twoPriorities(int healthyP0, int factor, double panic) {
    List<Endpoint> p0 = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      p0.add(new Endpoint("10.0.0." + i, 80, 1, i < healthyP0 ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY));
    }
    List<Endpoint> p1 = List.of(new Endpoint("10.0.1.1", 80, 1, HealthStatus.HEALTHY));
    var cla = new ClusterLoadAssignment("c", List.of(
        new LocalityEndpoints(LocalityEndpoints.Locality.NONE, 0, 1, p0),
        new LocalityEndpoints(LocalityEndpoints.Locality.NONE, 1, 1, p1)), factor);
    return ClusterLoadBalancing.build(LbPolicy.ROUND_ROBIN, config(panic, false), cla, null);
  }

  private static LbConfig config(double panic, boolean localityWeighted) {
    return new LbConfig(2, 1.0, 1024, 8_388_608, 65_537, panic, localityWeighted);
  }

  @ParameterizedTest(name = "{0}% healthy at P0, factor {1} -> P0 {2}%, P1 {3}%")
  @CsvSource({
    "100, 140, 100, 0",
    "72, 140, 100, 0",
    "71, 140, 99, 1",
    "50, 140, 70, 30",
    "50, 100, 50, 50",
    "0, 140, 0, 100",
  })
  void priorityLoadFollowsTheOverprovisioningFactor(int healthy, int factor, int p0, int p1) {
    var lb = twoPriorities(healthy, factor, 50);
    assertThat(lb.healthyLoad(0)).isEqualTo(p0);
    assertThat(lb.healthyLoad(1)).isEqualTo(p1);
  }

  @Test
  void degradedHostsTakeLoadOnlyAfterHealthyCapacity() {
    List<Endpoint> hosts = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      hosts.add(new Endpoint("10.0.0." + i, 80, 1, i < 5 ? HealthStatus.HEALTHY : HealthStatus.DEGRADED));
    }
    var lb = ClusterLoadBalancing.build(LbPolicy.ROUND_ROBIN, config(50, false), new ClusterLoadAssignment("c",
        List.of(new LocalityEndpoints(LocalityEndpoints.Locality.NONE, 0, 1, hosts)), 140), null);
    // health = 140 * 5/10 = 70, degraded = 70, NTA = 100: 70% healthy, 30% degraded.
    assertThat(lb.healthyLoad(0)).isEqualTo(70);
    assertThat(lb.degradedLoad(0)).isEqualTo(30);
    int n = 10_000;
    int degradedPicks = 0;
    for (int i = 0; i < n; i++) {
      if (lb.balancer().pick().endpoint().health() == HealthStatus.DEGRADED) {
        degradedPicks++;
      }
    }
    assertWithin(degradedPicks, n, 0.30);
  }

  @Test
  void belowThePanicThresholdAPriorityBalancesOverAllItsHosts() {
    // 30 of 100 healthy at P0: health 42, P1 100 -> NTA 100, no panic, P0 gets 42%.
    assertThat(twoPriorities(30, 140, 50).healthyLoad(0)).isEqualTo(42);
    // Single priority, 30% healthy: NTA 42 < 100 and 30% < 50% -> panic: unhealthy hosts are picked too.
    List<Endpoint> hosts = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      hosts.add(new Endpoint("10.0.0." + i, 80, 1, i < 3 ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY));
    }
    var cla = new ClusterLoadAssignment("c", List.of(new LocalityEndpoints(LocalityEndpoints.Locality.NONE, 0, 1, hosts)), 140);
    var panic = ClusterLoadBalancing.build(LbPolicy.ROUND_ROBIN, config(50, false), cla, null).balancer();
    Map<HealthStatus, Integer> seen = new HashMap<>();
    for (int i = 0; i < 100; i++) {
      seen.merge(panic.pick().endpoint().health(), 1, Integer::sum);
    }
    assertThat(seen.get(HealthStatus.UNHEALTHY)).isEqualTo(70);
    // Threshold 0 disables panic: only the healthy three.
    var noPanic = ClusterLoadBalancing.build(LbPolicy.ROUND_ROBIN, config(0, false), cla, null).balancer();
    for (int i = 0; i < 100; i++) {
      assertThat(noPanic.pick().endpoint().health()).isEqualTo(HealthStatus.HEALTHY);
    }
  }

  @Test
  void localityWeightsSplitTrafficAndUnweightedLocalitiesGetNone() {
    var a = new LocalityEndpoints(new LocalityEndpoints.Locality("r", "a", ""), 0, 3,
        List.of(new Endpoint("10.0.0.1", 80, 1, HealthStatus.HEALTHY)));
    var b = new LocalityEndpoints(new LocalityEndpoints.Locality("r", "b", ""), 0, 1,
        List.of(new Endpoint("10.0.0.2", 80, 1, HealthStatus.HEALTHY), new Endpoint("10.0.0.3", 80, 1, HealthStatus.HEALTHY)));
    var c = new LocalityEndpoints(new LocalityEndpoints.Locality("r", "c", ""), 0, 0,
        List.of(new Endpoint("10.0.0.4", 80, 1, HealthStatus.HEALTHY)));
    var lb = ClusterLoadBalancing.build(LbPolicy.ROUND_ROBIN, config(50, true),
        new ClusterLoadAssignment("c", List.of(a, b, c), 140), null).balancer();
    int n = 10_000;
    int inA = 0;
    for (int i = 0; i < n; i++) {
      String addr = lb.pick().endpoint().address();
      assertThat(addr).isNotEqualTo("10.0.0.4");
      if (addr.equals("10.0.0.1")) {
        inA++;
      }
    }
    assertWithin(inA, n, 0.75);
  }

  static void assertWithin(int hits, int n, double p) {
    double sd = Math.sqrt(p * (1 - p) / n);
    assertThat(hits / (double) n).isBetween(p - 4.5 * sd, p + 4.5 * sd);
  }
}
