package io.bowline.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.config.WorkloadMetadata;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * A destination's meter set: one time series per response code, gRPC status and flags, labelled as Istio labels
 * them, made once and found again without allocating.
 */
class MeterSetTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicInteger made = new AtomicInteger();
  private final MeterSet set = new MeterSet(WorkloadMetadata.NONE, "http", Tags.of("reporter", "source"), tags -> {
    made.incrementAndGet();
    return new MeterSet.Meters(Counter.builder("istio.requests").tags(tags).register(registry), null, null, null, null);
  });

  @Test
  void eachStatusGrpcStatusAndFlagsGetTheirOwnSeriesLabelledAsIstioLabelsThem() {
    set.get(200, -1, "").requests().increment();
    set.get(503, -1, "UO").requests().increment();
    set.get(200, 14, "URX").requests().increment();
    assertThat(registry.get("istio.requests").tags("response_code", "200", "grpc_response_status", "",
        "response_flags", "-").counter().count()).isEqualTo(1);
    assertThat(registry.get("istio.requests").tags("response_code", "503", "response_flags", "UO").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("istio.requests").tags("grpc_response_status", "14", "response_flags", "URX").counter()
        .count()).isEqualTo(1);
  }

  @Test
  void aLabelSetSeenBeforeIsTheSameMetersEvenAfterTheTableGrew() {
    MeterSet.Meters ok = set.get(200, -1, "");
    Set<MeterSet.Meters> distinct = new HashSet<>();
    for (int status = 100; status < 600; status++) {
      distinct.add(set.get(status, -1, status % 2 == 0 ? "" : "UF,URX"));
    }
    assertThat(distinct).hasSize(500);
    assertThat(made).hasValue(500);
    assertThat(set.get(200, -1, "")).isSameAs(ok);
    assertThat(set.get(101, -1, new String("UF,URX"))).isSameAs(set.get(101, -1, "UF,URX")); // by value
    assertThat(made).hasValue(500);
  }

  @Test
  void aLabelSetSeenBeforeIsFoundWithoutAllocating() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    set.get(200, -1, "");
    set.get(503, -1, "UO");
    long id = Thread.currentThread().getId();
    long bytes = 0;
    for (int run = 0; run < 5; run++) { // the first runs may allocate while the JIT compiles
      long before = threads.getThreadAllocatedBytes(id);
      for (int i = 0; i < 100_000; i++) {
        set.get((i & 1) == 0 ? 200 : 503, -1, (i & 1) == 0 ? "" : "UO");
      }
      bytes = threads.getThreadAllocatedBytes(id) - before;
    }
    assertThat(bytes).as("bytes allocated by 100,000 look-ups").isLessThan(1_000);
  }
}
