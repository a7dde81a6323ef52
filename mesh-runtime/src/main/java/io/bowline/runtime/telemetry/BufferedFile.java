package io.bowline.runtime.telemetry;

import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.runtime.lifecycle.SharedRuntime;
import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.telemetry.format.AccessLogFormat;
import io.bowline.runtime.telemetry.format.LineBuffer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AccessLog#file}'s sink: calls queue their lines under its lock; a flush thread prints them to bytes and writes
 * them, {@value #CHUNK_BYTES} bytes at a time. Whole lines, in the order they were queued, written within a second, and
 * everything written on close. A completed exchange that stays readable ({@link MeshExchange#readableWhenComplete()}:
 * an OkHttp call's) is queued by reference, with the few values only the call knows, and the flush thread reads its
 * line's values; any other exchange's values are captured into the queue's own arrays by the call.
 */
final class BufferedFile implements AccessLog.Sink {
  private static final Logger log = LoggerFactory.getLogger(BufferedFile.class);
  static final long FLUSH_INTERVAL_MILLIS = 1_000;
  /** Lines waiting after which a flush is queued at once (about Envoy's 64 KiB minimum flush size in Istio's format). */
  static final int FLUSH_LINES = 256;
  /**
   * A flush writes the lines it printed once they pass this many bytes (about 38 lines of Istio's format), and offers
   * its core to a waiting thread ({@link Thread#yield()}) before it prints more: on two cores, a flush of 256 lines in
   * one go held one for a few hundred microseconds, during which the calls' own threads had one core between them.
   */
  static final int CHUNK_BYTES = 8 * 1024;
  /**
   * Lines queued by reference whose values a flush reads and prints between two {@link Thread#yield()}s: reading a
   * call's exchange on the flush thread's core costs about twice a captured line's print, so a stretch stays near the
   * ~50 µs of {@value #CHUNK_BYTES} bytes of captured lines.
   */
  static final int STRETCH_BY_REFERENCE = 16;
  /** The print buffer is dropped back to this size after a flush that grew it (a burst of long lines does not stay). */
  private static final int PRINT_MAX_BYTES = 64 * 1024;
  /** One flush thread for every file sink, stopped with the other mesh threads after the last client's close. */
  private static final SharedRuntime.Service<ScheduledExecutorService> FLUSHER = SharedRuntime.service(
      "access log flush", BufferedFile::flusher, ScheduledExecutorService::shutdown);

  private final Path path;
  private final OutputStream out;
  private final ScheduledFuture<?> periodic;
  /** The lines waiting, their values captured into the queue's own arrays. */
  private Lines pending = new Lines();
  /** The lines the last flush printed, reused by the next (swapped at a flush). */
  private Lines spare = new Lines();
  private boolean flushQueued;
  private boolean closed;
  /** Where the flush thread prints; used under {@code out}'s lock only. */
  private final LineBuffer printed = new LineBuffer(CHUNK_BYTES + 4 * 1024);
  /** Where the flush thread captures a queued exchange's values before printing them; under {@code out}'s lock. */
  private final Captured captured = new Captured();

  /** The flush thread's arrays for one queued exchange's values ({@link AccessLogFormat#capture}). */
  private static final class Captured {
    Object[] values = new Object[32];
    long[] numbers = new long[64];

    /** Room for a line of {@code width} values. */
    void reserve(int width) {
      if (values.length < width) {
        values = new Object[width];
        numbers = new long[2 * width];
      }
    }

    /** Lets go of the last line's values. */
    void clear() {
      Arrays.fill(values, null);
    }
  }

  /**
   * Queued lines, flat: per line its format ({@code null}: a line of text) and where its values start; all lines'
   * values in one array and their numbers, unboxed, in another, so that a line costs slots and no object of its own.
   */
  private static final class Lines {
    /** Value slots to start with: {@value #FLUSH_LINES} lines of Istio's default format (24 operators) fit. */
    private static final int VALUES = FLUSH_LINES * 24;
    /** Value slots of a line queued by reference ({@link #addExchange}). */
    private static final int BY_REFERENCE_WIDTH = 4;
    /** Number slots to start with (Istio's default format captures 4 numbers per line). */
    private static final int NUMBERS = FLUSH_LINES * 8;
    AccessLogFormat[] formats = new AccessLogFormat[FLUSH_LINES * 2];
    int[] starts = new int[FLUSH_LINES * 2];
    /** Per line: queued by reference ({@link #addExchange}), its values still to be read from the exchange. */
    boolean[] byReference = new boolean[FLUSH_LINES * 2];
    Object[] values = new Object[VALUES];
    long[] numbers = new long[NUMBERS];
    int size;
    int used;
    int numbersUsed;

    /** Makes room for one more line of {@code width} values (and twice as many numbers at most). */
    void reserve(int width) {
      if (size == formats.length) {
        formats = Arrays.copyOf(formats, size * 2);
        starts = Arrays.copyOf(starts, size * 2);
        byReference = Arrays.copyOf(byReference, size * 2);
      }
      if (used + width > values.length) {
        values = Arrays.copyOf(values, Math.max(values.length * 2, used + width));
      }
      if (numbersUsed + 2 * width > numbers.length) {
        numbers = Arrays.copyOf(numbers, Math.max(numbers.length * 2, numbersUsed + 2 * width));
      }
    }

    /** Queues a finished exchange's line, capturing its values in place, flat (the request id as two numbers). */
    void add(AccessLogFormat format, Exchange x, ExchangeResponse r, String upstreamHost, long startMillis,
        String requestId, long requestIdHigh, long requestIdLow) {
      int width = format.width();
      reserve(width);
      numbersUsed += format.capture(values, used, numbers, numbersUsed, x, r, upstreamHost, startMillis, requestId,
          requestIdHigh, requestIdLow);
      added(format, width);
    }

    /**
     * Queues a completed, readable exchange's line by reference: four slots (the exchange, its response head, its last
     * upstream host, the request id it generated) and three numbers (start, the id's halves); the flush thread
     * captures the rest ({@link #printTo}).
     */
    void addExchange(AccessLogFormat format, Exchange x, ExchangeResponse r, String upstreamHost, long startMillis,
        String requestId, long requestIdHigh, long requestIdLow) {
      reserve(BY_REFERENCE_WIDTH);
      values[used] = x;
      values[used + 1] = r;
      values[used + 2] = upstreamHost;
      values[used + 3] = requestId;
      numbers[numbersUsed] = startMillis;
      numbers[numbersUsed + 1] = requestIdHigh;
      numbers[numbersUsed + 2] = requestIdLow;
      numbersUsed += 3;
      byReference[size] = true;
      added(format, BY_REFERENCE_WIDTH);
    }

    /** Queues a line of values captured elsewhere ({@code format} not null) or a line of text. */
    void add(AccessLogFormat format, Object[] captured, String text) {
      int width = format == null ? 1 : captured.length;
      reserve(width);
      if (format == null) {
        values[used] = text;
      } else {
        System.arraycopy(captured, 0, values, used, width);
      }
      added(format, width);
    }

    private void added(AccessLogFormat format, int width) {
      formats[size] = format;
      starts[size++] = used;
      used += width;
    }

    /**
     * Prints lines from {@code from} into {@code b} until {@code b} holds {@code bytes} bytes, the lines end, or
     * {@value #STRETCH_BY_REFERENCE} lines queued by reference were read ({@code c}: where their values go).
     *
     * @param numbersAt where the first line's numbers start (the numbers of the lines before it)
     * @return the next line to print
     */
    int printTo(LineBuffer b, int from, int bytes, int[] numbersAt, Captured c) {
      int n = numbersAt[0];
      int i = from;
      int read = 0;
      while (i < size && b.length() < bytes && read < STRETCH_BY_REFERENCE) {
        if (formats[i] == null) {
          b.append((String) values[starts[i]]);
        } else if (byReference[i]) {
          int at = starts[i];
          AccessLogFormat f = formats[i];
          c.reserve(f.width());
          f.capture(c.values, 0, c.numbers, 0, (Exchange) values[at], (ExchangeResponse) values[at + 1],
              (String) values[at + 2], numbers[n], (String) values[at + 3], numbers[n + 1], numbers[n + 2]);
          f.print(b, c.values, 0, c.numbers, 0);
          n += 3;
          read++;
        } else {
          n += formats[i].print(b, values, starts[i], numbers, n);
        }
        i++;
      }
      numbersAt[0] = n;
      return i;
    }

    /**
     * Forgets the lines (also after a failed print, so that none is written twice); arrays a backlog grew are
     * dropped back to their first size.
     */
    void clear() {
      if (formats.length > FLUSH_LINES * 8) {
        formats = new AccessLogFormat[FLUSH_LINES * 2];
        starts = new int[FLUSH_LINES * 2];
        byReference = new boolean[FLUSH_LINES * 2];
      } else {
        Arrays.fill(formats, 0, size, null);
        Arrays.fill(byReference, 0, size, false);
      }
      if (values.length > VALUES * 4) {
        values = new Object[VALUES];
        numbers = new long[NUMBERS];
      } else {
        Arrays.fill(values, 0, used, null);
      }
      size = 0;
      used = 0;
      numbersUsed = 0;
    }
  }

  BufferedFile(Path path, OutputStream out) {
    this.path = path;
    this.out = out;
    this.periodic = FLUSHER.get().scheduleWithFixedDelay(this::flush, FLUSH_INTERVAL_MILLIS, FLUSH_INTERVAL_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  private static ScheduledExecutorService flusher() {
    return Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bowline-access-log-flush");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public void write(String line) {
    enqueue(null, null, line);
  }

  @Override
  public void write(AccessLogFormat format, Object[] values) {
    enqueue(format, values, null);
  }

  /** Queues a line already printed ({@code line}) or already captured ({@code format} and {@code values}). */
  private void enqueue(AccessLogFormat format, Object[] values, String line) {
    boolean flushNow;
    synchronized (this) {
      open();
      pending.add(format, values, line);
      flushNow = queued();
    }
    flushIf(flushNow);
  }

  @Override
  public void write(AccessLogFormat format, Exchange exchange, ExchangeResponse response, String upstreamHost,
      long startMillis) {
    write(format, exchange, response, upstreamHost, startMillis, null, 0, 0);
  }

  /**
   * Queues the line under the queue's lock: a readable completed exchange by reference (the flush thread reads its
   * values: the call only stores four references and three numbers), any other by capturing its values straight into
   * the queue (no array or box per line, and no object the call made where the queue can hold a number or a string
   * printed before instead).
   */
  @Override
  public void write(AccessLogFormat format, Exchange exchange, ExchangeResponse response, String upstreamHost,
      long startMillis, String requestId, long requestIdHigh, long requestIdLow) {
    boolean byReference = exchange instanceof MeshExchange m && m.readableWhenComplete();
    boolean flushNow;
    synchronized (this) {
      open();
      if (byReference) {
        pending.addExchange(format, exchange, response, upstreamHost, startMillis, requestId, requestIdHigh,
            requestIdLow);
      } else {
        pending.add(format, exchange, response, upstreamHost, startMillis, requestId, requestIdHigh, requestIdLow);
      }
      flushNow = queued();
    }
    flushIf(flushNow);
  }

  private void open() {
    if (closed) {
      throw new IllegalStateException("access log file " + path + " is closed");
    }
  }

  /** Whether the line just queued should queue a flush now (called under the queue's lock). */
  private boolean queued() {
    boolean flushNow = !flushQueued && pending.size >= FLUSH_LINES;
    flushQueued |= flushNow;
    return flushNow;
  }

  private void flushIf(boolean flushNow) {
    if (flushNow) {
      FLUSHER.get().execute(this::flush);
    }
  }

  /**
   * Prints the queued lines and writes them, a write per {@value #CHUNK_BYTES} bytes printed, with a
   * {@link Thread#yield()} between two stretches of printing ({@link Lines#printTo}); the flush thread and {@link #close()} call it. Flushes take turns on
   * {@code out}; callers only ever hold the queue's lock, for an append.
   */
  private void flush() {
    synchronized (out) {
      Lines lines;
      synchronized (this) {
        flushQueued = false;
        if (pending.size == 0) {
          return;
        }
        lines = pending;
        pending = spare;
        spare = lines;
      }
      int written = 0;
      try {
        int[] numbersAt = {0};
        int next = 0;
        printed.clear(PRINT_MAX_BYTES);
        while (next < lines.size) {
          if (next > 0) {
            Thread.yield();
          }
          next = lines.printTo(printed, next, CHUNK_BYTES, numbersAt, captured);
          if (printed.length() >= CHUNK_BYTES || next == lines.size) {
            printed.writeTo(out);
            printed.clear(PRINT_MAX_BYTES);
            written = next;
          }
        }
        out.flush();
      } catch (IOException | RuntimeException e) {
        log.warn("access log file {}: {} lines not written", path, lines.size - written, e);
      } finally {
        lines.clear();
        captured.clear();
        printed.clear(PRINT_MAX_BYTES);
      }
    }
  }

  @Override
  public void close() {
    periodic.cancel(false);
    synchronized (this) {
      closed = true;
    }
    flush();
    synchronized (out) {
      try {
        out.close();
      } catch (IOException e) {
        throw new UncheckedIOException("access log file " + path, e);
      }
    }
  }
}
