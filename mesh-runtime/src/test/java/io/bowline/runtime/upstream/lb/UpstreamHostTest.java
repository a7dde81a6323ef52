package io.bowline.runtime.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.config.Endpoint;
import io.bowline.api.config.Endpoint.HealthStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** A host's two counters ({@code rq_active}, {@code rq_total}), which share one word. */
class UpstreamHostTest {
  private final UpstreamHost host = new UpstreamHost(new Endpoint("10.0.0.1", 9080, 1, HealthStatus.HEALTHY), 0);

  @Test
  void startsAndEndsCountInFlightAndTotalApart() {
    host.onRequestStart();
    host.onRequestStart();
    host.onRequestStart();
    host.onRequestEnd();
    host.onRequestEnd();

    assertThat(host.activeRequests()).isEqualTo(1);
    assertThat(host.totalRequests()).isEqualTo(3);

    host.onRequestEnd();
    assertThat(host.activeRequests()).isZero();
    assertThat(host.totalRequests()).isEqualTo(3);
  }

  @Test
  void aNewDescriptionOfTheEndpointKeepsItsCounters() {
    host.onRequestStart();
    UpstreamHost again = host.withEndpoint(new Endpoint("10.0.0.1", 9080, 5, HealthStatus.DEGRADED), 1);

    again.onRequestStart();
    again.onRequestEnd();

    assertThat(host.activeRequests()).isEqualTo(1);
    assertThat(host.totalRequests()).isEqualTo(2);
    assertThat(again.totalRequests()).isEqualTo(2);
  }

  @Test
  void threadsStartingAndEndingAtOnceLoseNoCount() throws Exception {
    int threads = 4;
    int each = 50_000;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < each; i++) {
          host.onRequestStart();
          host.onRequestEnd();
        }
        host.onRequestStart(); // one left in flight per thread
      });
      th.start();
      started.add(th);
    }
    go.countDown();
    for (Thread th : started) {
      th.join();
    }

    assertThat(host.activeRequests()).isEqualTo(threads);
    assertThat(host.totalRequests()).isEqualTo((long) threads * (each + 1));
  }
}
