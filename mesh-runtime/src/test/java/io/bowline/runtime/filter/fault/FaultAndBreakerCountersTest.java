package io.bowline.runtime.filter.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.config.CircuitBreakers;
import io.bowline.api.config.FaultPolicy;
import io.bowline.api.config.FractionalPercent;
import io.bowline.runtime.upstream.circuitbreaker.ClusterCircuitBreaker;
import io.bowline.runtime.filter.common.fault.FaultDecision;
import io.bowline.runtime.filter.common.fault.FaultInjector;
import io.bowline.runtime.filter.mirror.Mirrors;
import io.bowline.api.MeshRequest;
import io.bowline.runtime.testing.TestRequests;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Spec §5 max_active_faults and header-controlled delay, §8 counters and retry budget, §6 shadow host. */
class FaultAndBreakerCountersTest {

  /** A request to reviews:9080 with the given header name/value pairs. */
  private static MeshRequest req(String... headers) {
    return TestRequests.get("reviews:9080", headers);
  }

  @Test
  void maxActiveFaultsSkipsInjectionWhileTheLimitIsReached() {
    FaultInjector f = new FaultInjector(new FaultPolicy(
        new FaultPolicy.Delay(Duration.ofMillis(5), FractionalPercent.ALWAYS), null, "", List.of(), 1));
    MeshRequest r = req();
    FaultDecision first = f.decide(r, "c");
    assertThat(first).isNotNull();
    assertThat(f.decide(r, "c")).isNull();
    first.finish();
    FaultDecision again = f.decide(r, "c");
    assertThat(again).isNotNull();
    again.finish();
  }

  @Test
  void headerDelayIsReadFromTheRequestAndUpstreamClusterMustMatch() {
    FaultInjector f = new FaultInjector(new FaultPolicy(
        new FaultPolicy.Delay(null, FractionalPercent.ALWAYS), null, "only-this", List.of(), -1));
    MeshRequest r = req("x-envoy-fault-delay-request", "250");
    assertThat(f.decide(r, "other")).isNull();
    FaultDecision d = f.decide(r, "only-this");
    assertThat(d.delayMillis()).isEqualTo(250);
    assertThat(d.responseFlags()).isEqualTo("DI");
    d.finish();
    assertThat(f.decide(req("x-envoy-fault-delay-request", "soon"), "only-this")).isNull();
  }

  @Test
  void maxRequestsAndTheRetryBudget() {
    ClusterCircuitBreaker cb = new ClusterCircuitBreaker();
    CircuitBreakers two = new CircuitBreakers(1024, 1024, 2, 3, -1, 3);
    assertThat(cb.tryAcquireRequest(two)).isTrue();
    assertThat(cb.tryAcquireRequest(two)).isTrue();
    assertThat(cb.tryAcquireRequest(two)).isFalse();
    assertThat(cb.overflows()).isEqualTo(1);
    // budget 20 % of 2 active = 0, so min_retry_concurrency (1) applies
    CircuitBreakers budget = new CircuitBreakers(1024, 1024, 1024, 3, 20, 1);
    assertThat(cb.tryAcquireRetry(budget)).isTrue();
    assertThat(cb.tryAcquireRetry(budget)).isFalse();
    cb.releaseRetry();
    cb.releaseRequest();
    cb.releaseRequest();
    assertThat(cb.activeRequests()).isZero();
  }

  @Test
  void shadowHostGetsTheSuffixOnItsHostPart() {
    var p = new io.bowline.api.config.MirrorPolicy("c", FractionalPercent.ALWAYS, false);
    assertThat(Mirrors.shadowAuthority(p, "reviews:9080")).isEqualTo("reviews-shadow:9080");
    assertThat(Mirrors.shadowAuthority(p, "reviews")).isEqualTo("reviews-shadow");
    assertThat(Mirrors.shadowAuthority(p, "[::1]:80")).isEqualTo("[::1]-shadow:80");
    assertThat(Mirrors.shadowAuthority(new io.bowline.api.config.MirrorPolicy("c", FractionalPercent.ALWAYS, true),
        "reviews:9080")).isEqualTo("reviews:9080");
  }
}
