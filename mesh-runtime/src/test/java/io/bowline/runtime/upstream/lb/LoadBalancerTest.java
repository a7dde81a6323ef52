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

class LoadBalancerTest {

  private static ClusterLoadAssignment cla(Endpoint... endpoints) {
    return new ClusterLoadAssignment("c",
        List.of(new LocalityEndpoints(LocalityEndpoints.Locality.NONE, 0, 0, List.of(endpoints))), 140);
  }

  private static final LbConfig NO_PANIC = new LbConfig(2, 1.0, 1024, 8_388_608, 65_537, 0, false);

  private static Endpoint ep(int port, int weight, HealthStatus health) {
    return new Endpoint("127.0.0.1", port, weight, health);
  }

  private static Map<Integer, Integer> picks(LoadBalancer lb, int n) {
    Map<Integer, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      counts.merge(lb.pick().endpoint().port(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void roundRobinHonoursWeightsExactlyOverASchedule() {
    var lb = ClusterLoadBalancing.build(LbPolicy.ROUND_ROBIN,
        cla(ep(1, 1, HealthStatus.HEALTHY), ep(2, 3, HealthStatus.HEALTHY)), null).balancer();
    assertThat(picks(lb, 400)).containsEntry(1, 100).containsEntry(2, 300);
  }

  @Test
  void roundRobinInterleavesRatherThanSendingRuns() {
    var lb = ClusterLoadBalancing.build(LbPolicy.ROUND_ROBIN,
        cla(ep(1, 1, HealthStatus.HEALTHY), ep(2, 1, HealthStatus.HEALTHY), ep(3, 1, HealthStatus.HEALTHY)), null).balancer();
    List<Integer> seq = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      seq.add(lb.pick().endpoint().port());
    }
    assertThat(seq.subList(0, 3)).containsExactlyInAnyOrder(1, 2, 3);
    assertThat(seq.subList(3, 6)).isEqualTo(seq.subList(0, 3));
  }

  @Test
  void unhealthyDrainingAndTimedOutHostsAreNotPicked() {
    for (LbPolicy policy : LbPolicy.values()) {
      var lb = ClusterLoadBalancing.build(policy, NO_PANIC, cla(
          ep(1, 1, HealthStatus.UNHEALTHY), ep(2, 1, HealthStatus.DRAINING),
          ep(3, 1, HealthStatus.TIMEOUT), ep(4, 1, HealthStatus.UNKNOWN)), null).balancer();
      assertThat(picks(lb, 50).keySet()).as(policy.name()).containsExactly(4);
    }
  }

  @Test
  void noHealthyHostMeansNoPickWhenPanicIsDisabled() {
    var lb = ClusterLoadBalancing.build(LbPolicy.ROUND_ROBIN, NO_PANIC, cla(ep(1, 1, HealthStatus.UNHEALTHY)), null).balancer();
    assertThat(lb.pick()).isNull();
  }

  @Test
  void noHealthyHostWithPanicEnabledBalancesOverAllHosts() {
    var lb = ClusterLoadBalancing.build(LbPolicy.ROUND_ROBIN, cla(ep(1, 1, HealthStatus.UNHEALTHY)), null).balancer();
    assertThat(lb.pick().endpoint().port()).isEqualTo(1);
  }

  @Test
  void leastRequestWithTwoChoicesSendsTheBusyHostOnlyWhenBothDrawsHitIt() {
    var balancing = ClusterLoadBalancing.build(LbPolicy.LEAST_REQUEST,
        cla(ep(1, 1, HealthStatus.HEALTHY), ep(2, 1, HealthStatus.HEALTHY)), null);
    UpstreamHost busy = balancing.hosts().get(0);
    for (int i = 0; i < 10; i++) {
      busy.onRequestStart();
    }
    // Envoy draws choice_count hosts with replacement: both draws hit the busy host 1/4 of the time.
    int n = 8_000;
    double share = picks(balancing.balancer(), n).getOrDefault(1, 0) / (double) n;
    assertThat(share).isBetween(0.25 - 4.5 * Math.sqrt(0.25 * 0.75 / n), 0.25 + 4.5 * Math.sqrt(0.25 * 0.75 / n));
  }

  @Test
  void randomFollowsWeightsWithinBinomialTolerance() {
    var lb = ClusterLoadBalancing.build(LbPolicy.RANDOM,
        cla(ep(1, 1, HealthStatus.HEALTHY), ep(2, 4, HealthStatus.HEALTHY)), null).balancer();
    int n = 20_000;
    double share = picks(lb, n).get(2) / (double) n;
    double sd = Math.sqrt(0.8 * 0.2 / n);
    assertThat(share).isBetween(0.8 - 4.5 * sd, 0.8 + 4.5 * sd);
  }

  @Test
  void stateSurvivesAConfigUpdate() {
    var first = ClusterLoadBalancing.build(LbPolicy.LEAST_REQUEST,
        cla(ep(1, 1, HealthStatus.HEALTHY), ep(2, 1, HealthStatus.HEALTHY)), null);
    first.hosts().get(0).onRequestStart();
    var second = ClusterLoadBalancing.build(LbPolicy.LEAST_REQUEST,
        cla(ep(1, 1, HealthStatus.HEALTHY), ep(2, 1, HealthStatus.HEALTHY), ep(3, 1, HealthStatus.HEALTHY)), first);
    assertThat(second.hosts().get(0).activeRequests()).isEqualTo(1);
  }
}
