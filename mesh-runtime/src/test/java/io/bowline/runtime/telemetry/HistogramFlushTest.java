package io.bowline.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Istio's histograms are merged into the registry at each stats flush, as Envoy merges its workers' thread-local
 * histograms at {@code stats_flush_interval}; {@code istio_requests_total} counts each call at once.
 */
class HistogramFlushTest {
  private static final LocalWorkload SELF = LocalWorkload.of("proxyless~10.0.0.2~reviews-v2.default~default.svc.cluster.local",
      "reviews-v2", "default", Map.of("app", "reviews", "version", "v2"), "Kubernetes", null);

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private IstioMetrics metrics;

  @AfterEach
  void close() {
    if (metrics != null) {
      metrics.close();
    }
  }

  private static IstioMetrics.ServedRequest served(long durationNanos, long requestBytes, long responseBytes) {
    return new IstioMetrics.ServedRequest(null, null, null, "reviews:9080", "http", 200, -1, "", durationNanos,
        requestBytes, responseBytes);
  }

  private DistributionSummary summary(String name) {
    return registry.get(name).summary();
  }

  @Test
  void theRequestCounterIsImmediateAndTheHistogramsShowTheCallAfterTheFlush() {
    metrics = new IstioMetrics(registry, SELF, null, Duration.ofHours(1));
    metrics.recordInbound(served(2_500_000, 10, 42));

    assertThat(registry.get("istio.requests").counter().count()).isEqualTo(1);
    assertThat(summary("istio.response.bytes").count()).as("before the flush").isZero();

    metrics.flush();
    assertThat(summary("istio.request.duration.milliseconds").totalAmount()).isEqualTo(2.5);
    assertThat(summary("istio.request.bytes").totalAmount()).isEqualTo(10);
    assertThat(summary("istio.response.bytes").totalAmount()).isEqualTo(42);
    metrics.flush();
    assertThat(summary("istio.response.bytes").count()).as("each value merged once").isEqualTo(1);
  }

  @Test
  void theHistogramsFlushOnTheirIntervalWithoutACallToFlush() {
    metrics = new IstioMetrics(registry, SELF, null, Duration.ofMillis(50));
    metrics.recordInbound(served(1_000_000, 0, 7));

    await().atMost(Duration.ofSeconds(10)).until(() -> summary("istio.response.bytes").count() == 1);
    assertThat(summary("istio.response.bytes").totalAmount()).isEqualTo(7);
  }

  @Test
  void anUnknownDurationIsNotRecordedAndNegativeSizesCountAsZero() {
    metrics = new IstioMetrics(registry, SELF, null, Duration.ofHours(1));
    metrics.recordInbound(served(-1, -5, -1));
    metrics.flush();

    assertThat(summary("istio.request.duration.milliseconds").count()).isZero();
    assertThat(summary("istio.request.bytes").count()).isEqualTo(1);
    assertThat(summary("istio.request.bytes").totalAmount()).isZero();
  }

  @Test
  void everyValueOfManyThreadsIsMergedExactlyOnceWhileFlushesRunAndAfterTheThreadsEnded() throws Exception {
    metrics = new IstioMetrics(registry, SELF, null, Duration.ofMillis(1));
    int threads = 4;
    int calls = 20_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread w = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < calls; i++) {
          metrics.recordInbound(served(1_000_000, 1, 2));
        }
      });
      w.start();
      workers.add(w);
    }
    start.countDown();
    for (Thread w : workers) {
      w.join();
    }
    metrics.flush();

    Counter requests = registry.get("istio.requests").counter();
    assertThat(requests.count()).isEqualTo((double) threads * calls);
    assertThat(summary("istio.request.duration.milliseconds").count()).isEqualTo((long) threads * calls);
    assertThat(summary("istio.request.bytes").totalAmount()).isEqualTo((double) threads * calls);
    assertThat(summary("istio.response.bytes").totalAmount()).isEqualTo(2.0 * threads * calls);
  }

  @Test
  void twoFlushesThatBothFindAnEndedThreadDropItsHistogramsOnceAndMergeItsValuesOnce() throws Exception {
    // the periodic flush and a /stats scrape's flush can run together; each may see the same ended thread
    metrics = new IstioMetrics(registry, SELF, null, Duration.ofHours(1));
    int rounds = 300;
    for (int round = 0; round < rounds; round++) {
      Thread w = new Thread(() -> metrics.recordInbound(served(1_000_000, 1, 2)));
      w.start();
      w.join();
      CyclicBarrier together = new CyclicBarrier(2);
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      Runnable flush = () -> {
        try {
          together.await();
          metrics.flush();
        } catch (Throwable t) {
          failures.add(t);
        }
      };
      Thread other = new Thread(flush);
      other.start();
      flush.run();
      other.join();
      assertThat(failures).as("round %d", round).isEmpty();
    }

    assertThat(summary("istio.response.bytes").count()).isEqualTo(rounds);
    assertThat(summary("istio.response.bytes").totalAmount()).isEqualTo(2.0 * rounds);
  }

  @Test
  void theMergedHistogramsHaveTheBucketsCountAndSumOfTheValuesRecordedDirectly() {
    metrics = new IstioMetrics(registry, SELF, null, Duration.ofHours(1));
    SimpleMeterRegistry direct = new SimpleMeterRegistry();
    DistributionSummary duration = DistributionSummary.builder("d").serviceLevelObjectives(IstioMetrics.BUCKETS)
        .register(direct);
    DistributionSummary bytes = DistributionSummary.builder("b").serviceLevelObjectives(IstioMetrics.BUCKETS)
        .register(direct);
    long[] nanos = {300_000, 500_000, 500_001, 999_999, 1_000_000, 7_250_000, 7_250_001, 4_000_000_000_000L};
    long[] sizes = {0, 1, 2, 3, 5, 6, 9, 10, 11, 1_000_000_000};
    for (int i = 0; i < nanos.length; i++) {
      metrics.recordInbound(served(nanos[i], 0, sizes[i]));
      duration.record(nanos[i] / 1e6);
      bytes.record(sizes[i]);
    }
    for (int i = nanos.length; i < sizes.length; i++) {
      metrics.recordInbound(served(-1, 0, sizes[i]));
      bytes.record(sizes[i]);
    }
    metrics.flush();

    DistributionSummary mergedDuration = summary("istio.request.duration.milliseconds");
    DistributionSummary mergedBytes = summary("istio.response.bytes");
    assertThat(mergedDuration.takeSnapshot().histogramCounts())
        .containsExactly(duration.takeSnapshot().histogramCounts());
    assertThat(mergedDuration.count()).isEqualTo(duration.count());
    assertThat(mergedDuration.totalAmount()).isCloseTo(duration.totalAmount(), within(1e-6));
    assertThat(mergedBytes.takeSnapshot().histogramCounts()).containsExactly(bytes.takeSnapshot().histogramCounts());
    assertThat(mergedBytes.count()).isEqualTo(bytes.count());
    assertThat(mergedBytes.totalAmount()).isEqualTo(bytes.totalAmount());
  }

  @Test
  void closeMergesWhatIsBuffered() {
    metrics = new IstioMetrics(registry, SELF, null, Duration.ofHours(1));
    metrics.recordInbound(served(1_000_000, 3, 4));
    metrics.close();

    assertThat(summary("istio.request.bytes").totalAmount()).isEqualTo(3);
  }

  @Test
  void aBufferedCounterShowsEveryThreadsCountsAfterTheFlushAndEachCountOnce() throws Exception {
    HistogramBuffer buffer = new HistogramBuffer(Duration.ofHours(1));
    try {
      List<HistogramBuffer.Cell> cells = new ArrayList<>();
      for (int i = 0; i < 20; i++) { // past a thread's first array of counts
        cells.add(buffer.cell(registry.counter("envoy.cluster.upstream_rq", "cluster_name", "c" + i)));
      }
      HistogramBuffer.Cell last = cells.get(cells.size() - 1);
      buffer.count(cells.get(0), 2);
      int threads = 4;
      int calls = 5_000;
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Thread w = new Thread(() -> {
          for (int i = 0; i < calls; i++) {
            buffer.count(last, 1);
          }
        });
        w.start();
        workers.add(w);
      }
      for (Thread w : workers) {
        w.join();
      }
      assertThat(last.counter().count()).as("before the flush").isZero();

      buffer.flush();
      assertThat(cells.get(0).counter().count()).isEqualTo(2);
      assertThat(last.counter().count()).isEqualTo((double) threads * calls);
      buffer.count(cells.get(0), 1);
      buffer.flush();
      assertThat(cells.get(0).counter().count()).as("each count added once").isEqualTo(3);
      assertThat(last.counter().count()).isEqualTo((double) threads * calls);
    } finally {
      buffer.close();
    }
  }
}
