package io.bowline.runtime.telemetry;

import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.runtime.lifecycle.SharedRuntime;
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
 * {@link AccessLog#file}'s sink: calls capture their lines' values into the queue's own arrays under its lock; a flush
 * thread prints them to bytes and writes them, {@value #CHUNK_BYTES} bytes at a time. Whole lines, in the order they
 * were queued, written within a second, and everything written on close.
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

  /**
   * Queued lines, flat: per line its format ({@code null}: a line of text) and where its values start; all lines'
   * values in one array and their numbers, unboxed, in another, so that a line costs slots and no object of its own.
   */
  private static final class Lines {
    /** Value slots to start with: {@value #FLUSH_LINES} lines of Istio's default format (24 operators) fit. */
    private static final int VALUES = FLUSH_LINES * 24;
    /** Number slots to start with (Istio's default format captures 4 numbers per line). */
    private static final int NUMBERS = FLUSH_LINES * 8;
    AccessLogFormat[] formats = new AccessLogFormat[FLUSH_LINES * 2];
    int[] starts = new int[FLUSH_LINES * 2];
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
     * Prints lines from {@code from} into {@code b} until {@code b} holds {@code bytes} bytes or the lines end.
     *
     * @param numbersAt where the first line's numbers start (the numbers of the lines before it)
     * @return the next line to print
     */
    int printTo(LineBuffer b, int from, int bytes, int[] numbersAt) {
      int n = numbersAt[0];
      int i = from;
      while (i < size && b.length() < bytes) {
        if (formats[i] == null) {
          b.append((String) values[starts[i]]);
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
      } else {
        Arrays.fill(formats, 0, size, null);
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
   * Captures the line's values straight into the queue, under its lock: no array or box per line, and no object the
   * call made where the queue can hold a number or a string printed before instead.
   */
  @Override
  public void write(AccessLogFormat format, Exchange exchange, ExchangeResponse response, String upstreamHost,
      long startMillis, String requestId, long requestIdHigh, long requestIdLow) {
    boolean flushNow;
    synchronized (this) {
      open();
      pending.add(format, exchange, response, upstreamHost, startMillis, requestId, requestIdHigh, requestIdLow);
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
   * Prints the queued lines and writes them, a write per {@value #CHUNK_BYTES} bytes printed with a
   * {@link Thread#yield()} between two; the flush thread and {@link #close()} call it. Flushes take turns on
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
        while (written < lines.size) {
          if (written > 0) {
            Thread.yield();
          }
          printed.clear(PRINT_MAX_BYTES);
          int next = lines.printTo(printed, written, CHUNK_BYTES, numbersAt);
          printed.writeTo(out);
          written = next;
        }
        out.flush();
      } catch (IOException | RuntimeException e) {
        log.warn("access log file {}: {} lines not written", path, lines.size - written, e);
      } finally {
        lines.clear();
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
