package io.bowline.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
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
}
