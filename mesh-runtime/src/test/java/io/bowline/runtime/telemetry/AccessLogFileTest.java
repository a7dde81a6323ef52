package io.bowline.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.api.MeshRequest;
import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.telemetry.format.AccessLogFormat;
import io.bowline.runtime.testing.TestExchanges;
import io.bowline.runtime.testing.TestRequests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Envoy's file access log: a call appends its line to a buffer that a flush thread writes every second (or at
 * 64 KiB), so lines reach the file without the call writing it, and closing writes every line that is left, once.
 */
class AccessLogFileTest {
  @TempDir
  Path dir;

  @Test
  void aLineReachesTheFileWithinTheFlushIntervalWithoutAClose() throws Exception {
    Path file = dir.resolve("a.log");
    AccessLog.Sink sink = AccessLog.file(file);
    try {
      sink.write("one\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> Files.readAllLines(file).equals(List.of("one")));
    } finally {
      sink.close();
    }
  }

  @Test
  void linesFromManyThreadsAreAllWrittenOnceAndWhole() throws Exception {
    Path file = dir.resolve("b.log");
    AccessLog.Sink sink = AccessLog.file(file);
    int threads = 4;
    int perThread = 20_000; // about 400 KiB: several size-triggered flushes while lines keep coming
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      int id = t;
      pool.execute(() -> {
        for (int i = 0; i < perThread; i++) {
          sink.write("thread " + id + " line " + i + "\n");
        }
        done.countDown();
      });
    }
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    pool.shutdown();
    sink.close();
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(threads * perThread);
    Set<String> distinct = new HashSet<>(lines);
    assertThat(distinct).hasSize(threads * perThread).contains("thread 0 line 0", "thread 3 line 19999");
  }

  @Test
  void exchangeLinesCapturedIntoTheQueuePrintAsTheLinesFormattedAtOnceBetweenOtherLines() throws Exception {
    Path file = dir.resolve("c.log");
    AccessLogFormat istio = AccessLogFormat.text(AccessLogFormat.ISTIO_DEFAULT);
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("start", "%START_TIME%");
    fields.put("sent", "%BYTES_SENT%");
    fields.put("id", "%REQ(X-REQUEST-ID)%");
    fields.put("both", "%BYTES_SENT% to %UPSTREAM_HOST% in %DURATION% ms");
    AccessLogFormat json = AccessLogFormat.json(fields);
    AccessLogFormat.Connection tcp = new AccessLogFormat.Connection(1_700_000_000_042L, 5_000_000L, 12, 3_456,
        "10.0.0.2:80", "outbound|80||tcp", "UF", "10.0.0.9:5000", "10.0.0.1:80", null);
    List<String> expected = new ArrayList<>();
    AccessLog.Sink sink = AccessLog.file(file);
    try {
      for (int i = 0; i < 700; i++) { // several size-triggered flushes, and a queue that grows
        // every fourth over a stable request: queued by reference, its values read by the flush thread
        MeshExchange e = finished(i % 3 == 0 ? 1_000_000L * i : -1, "id-" + i, i % 4 == 1);
        long start = 1_700_000_000_000L + 997L * i;
        AccessLogFormat f = i % 2 == 0 ? istio : json;
        sink.write(f, e, null, i % 5 == 0 ? null : "10.0.0.1:" + i, start);
        expected.add(f.format(f.capture(e, null, i % 5 == 0 ? null : "10.0.0.1:" + i, start)).strip());
        if (i % 7 == 0) {
          sink.write("text " + i + "\n");
          expected.add("text " + i);
        }
        if (i % 11 == 0) {
          sink.write(istio, istio.capture(AccessLogFormat.Entry.of(tcp)));
          expected.add(istio.format(AccessLogFormat.Entry.of(tcp)).strip());
        }
      }
    } finally {
      sink.close();
    }
    assertThat(Files.readAllLines(file)).containsExactlyElementsOf(expected);
  }

  @Test
  void aStableExchangeIsQueuedByReferenceAndItsLineReadAfterTheCallWithTheIdItGenerated() throws Exception {
    Path file = dir.resolve("d.log");
    AccessLogFormat istio = AccessLogFormat.text(AccessLogFormat.ISTIO_DEFAULT);
    MeshExchange e = finished(1_234, "f0b7c0de-0000-4000-8000-000000000001", true);
    assertThat(e.readableWhenComplete()).isTrue();
    assertThat(finished(1, "x", false).readableWhenComplete()).isFalse();
    String expected = istio.format(istio.capture(e, null, "10.0.0.7:8080", 1_700_000_000_000L)).strip();
    AccessLog.Sink sink = AccessLog.file(file);
    try {
      sink.write(istio, e, null, "10.0.0.7:8080", 1_700_000_000_000L, "f0b7c0de-0000-4000-8000-000000000001",
          0xf0b7c0de00004000L, 0x8000000000000001L);
    } finally {
      sink.close();
    }
    assertThat(Files.readAllLines(file)).containsExactly(expected);
    assertThat(expected).contains("\"f0b7c0de-0000-4000-8000-000000000001\"", "10.0.0.7:8080", " 1234 ");
  }

  /**
   * A finished exchange that received {@code bytes} of response body (none when negative), with an x-request-id;
   * over a {@link MeshExchange.StableRequest} when {@code stable}.
   */
  private static MeshExchange finished(long bytes, String requestId, boolean stable) {
    MeshRequest plain = TestRequests.get("svc:80", "x-request-id", requestId);
    MeshRequest get = stable ? new Stable(plain) : plain;
    MeshExchange e = TestExchanges.unrouted(get);
    if (bytes >= 0) {
      e.addResponseBodyBytes(bytes);
    }
    e.responded(200, -1, "", false);
    e.complete();
    return e;
  }

  /** A request view the test promises not to change: the access log may read its exchange after the call. */
  private record Stable(MeshRequest request) implements MeshExchange.StableRequest {
    @Override
    public String authority() {
      return request.authority();
    }

    @Override
    public String method() {
      return request.method();
    }

    @Override
    public String path() {
      return request.path();
    }

    @Override
    public String scheme() {
      return request.scheme();
    }

    @Override
    public List<String> headers(String name) {
      return request.headers(name);
    }
  }
}
