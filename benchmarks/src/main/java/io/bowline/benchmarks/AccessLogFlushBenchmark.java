package io.bowline.benchmarks;

import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.telemetry.format.AccessLogFormat;
import io.bowline.runtime.telemetry.format.LineBuffer;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The file access log's flush thread, per line: {@value #LINES} lines of Istio's default format, each a different
 * finished call (its own exchange and {@code x-request-id}, as in P1), captured into a queue's flat arrays as the
 * calls' threads capture them ({@link AccessLogFormat#capture(Object[], int, long[], int,
 * io.bowline.api.filter.Exchange, io.bowline.api.filter.ExchangeResponse, String, long)}), then printed to bytes as
 * the flush thread prints them. {@code print} is the print alone with the lines in this core's caches;
 * {@code printCold} the same after a walk over {@value #EVICT_BYTES} bytes evicted this core's caches (the flush
 * thread wakes every few tens of milliseconds, after other threads ran on its core); {@code printAndWrite} prints
 * and writes the lines to a file opened for appending, as a flush does (the file is emptied every 16 MiB), so the
 * kernel's write per line shows. Scores are per line ({@link OperationsPerInvocation}); {@code -prof gc} gives
 * B/op. The lines' values and the bytes they print do not depend on the build, so base's runtime can be measured
 * with this class first on the class path.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class AccessLogFlushBenchmark {
  /** Lines per flush: the twelfth round's burst. */
  static final int LINES = 256;
  private static final int EVICT_BYTES = 4 << 20;
  private static final int FILE_MAX_BYTES = 16 << 20;

  /**
   * Milliseconds between two lines' start times: 3, a burst within one second (P1's rate); 997, a new second on
   * every line.
   */
  @Param({"3"})
  public int startStepMillis;

  /**
   * {@code -Dflush.capture=flat}: the lines' request ids captured as the mesh captures the ids it generated, as two
   * numbers (the fourteenth round's capture; base builds have none, so leave it unset for them).
   */
  private static final boolean FLAT = "flat".equals(System.getProperty("flush.capture"));

  private final AccessLogFormat format = AccessLogFormat.text(AccessLogFormat.ISTIO_DEFAULT);
  private final Object[] values = new Object[LINES * 24];
  private final long[] numbers = new long[LINES * 10];
  private final int[] starts = new int[LINES + 1];
  private final int[] numberStarts = new int[LINES + 1];
  private final LineBuffer printed = new LineBuffer(80 * 1024);
  private TelemetryBenchmark calls;
  private Path file;
  private FileOutputStream out;
  private long written;

  @Setup
  public void setUp() throws IOException {
    calls = new TelemetryBenchmark();
    calls.setUp();
    long second = System.currentTimeMillis() / 1000 * 1000;
    int at = 0;
    int n = 0;
    for (int i = 0; i < LINES; i++) {
      MeshExchange x;
      try {
        x = calls.finished(Map.of("x-request-id", UUID.randomUUID().toString(), "user-agent", "okhttp/4.12.0"));
      } catch (InterruptedIOException e) {
        throw new IllegalStateException(e);
      }
      starts[i] = at;
      numberStarts[i] = n;
      long start = second + (long) i * startStepMillis;
      if (FLAT) { // the request id as the mesh generates it: the queue holds its UUID's halves, not the string
        String id = x.header("x-request-id");
        UUID u = UUID.fromString(id);
        n += format.capture(values, at, numbers, n, x, null, "10.0.0.1:9080", start, id, u.getMostSignificantBits(),
            u.getLeastSignificantBits());
      } else {
        n += format.capture(values, at, numbers, n, x, null, "10.0.0.1:9080", start);
      }
      at += format.width();
    }
    starts[LINES] = at;
    numberStarts[LINES] = n;
    file = Files.createTempFile("access-log-flush", ".log");
    out = new FileOutputStream(file.toFile(), true);
  }

  @TearDown
  public void tearDown() throws IOException {
    calls.tearDown();
    out.close();
    Files.deleteIfExists(file);
  }

  /** A buffer larger than this core's L2 cache, walked before each cold print. */
  @State(Scope.Thread)
  public static class Evicted {
    private final byte[] bytes = new byte[EVICT_BYTES];
    private int sum;

    /** Walks the buffer, writing every cache line. */
    @Setup(Level.Invocation)
    public void evict() {
      for (int i = 0; i < bytes.length; i += 64) {
        bytes[i]++;
        sum += bytes[i];
      }
    }
  }

  private int printAll() {
    return print(0, LINES);
  }

  /**
   * Prints {@code count} of the lines from {@code from} (on from the first after the last) into the emptied buffer:
   * one flush's print.
   */
  int print(int from, int count) {
    printed.clear(256 * 1024);
    for (int k = from; k < from + count; k++) {
      int i = k % LINES;
      format.print(printed, values, starts[i], numbers, numberStarts[i]);
    }
    return printed.length();
  }

  /** Writes what the last print printed to the file: one flush's write. */
  void write() throws IOException {
    printed.writeTo(out);
    written += printed.length();
    if (written > FILE_MAX_BYTES) {
      out.getChannel().truncate(0);
      written = 0;
    }
  }

  /** The print of one line, warm. */
  @Benchmark
  @OperationsPerInvocation(LINES)
  public int print() {
    return printAll();
  }

  /** The print of one line, with this core's caches evicted before each burst. */
  @Benchmark
  @OperationsPerInvocation(LINES)
  public int printCold(Evicted evicted) {
    return printAll() + (evicted.sum & 1);
  }

  /** The print and the write of one line, appended to a file. */
  @Benchmark
  @OperationsPerInvocation(LINES)
  public int printAndWrite() throws IOException {
    int n = printAll();
    write();
    return n;
  }
}
