package io.bowline.runtime.telemetry;

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
 * {@link AccessLog#file}'s sink: calls queue their lines' captured values; a flush thread prints them to bytes and
 * writes them in one write. Whole lines, in the order they were queued, written within a second, and everything
 * written on close.
 */
final class BufferedFile implements AccessLog.Sink {
  private static final Logger log = LoggerFactory.getLogger(BufferedFile.class);
  static final long FLUSH_INTERVAL_MILLIS = 1_000;
  /** Lines waiting after which a flush is queued at once (about Envoy's 64 KiB minimum flush size in Istio's format). */
  static final int FLUSH_LINES = 256;
  /** The print buffer is dropped back to this size after a flush that grew it (a burst of long lines does not stay). */
  private static final int PRINT_MAX_BYTES = 256 * 1024;
  /** One flush thread for every file sink, stopped with the other mesh threads after the last client's close. */
  private static final SharedRuntime.Service<ScheduledExecutorService> FLUSHER = SharedRuntime.service(
      "access log flush", BufferedFile::flusher, ScheduledExecutorService::shutdown);

  private final Path path;
  private final OutputStream out;
  private final ScheduledFuture<?> periodic;
  /** The lines waiting: a format and its captured values, or {@code null} and a line's text. */
  private Lines pending = new Lines();
  /** The lines the last flush printed, reused by the next (swapped at a flush). */
  private Lines spare = new Lines();
  private boolean flushQueued;
  private boolean closed;
  /** Where the flush thread prints; used under {@code out}'s lock only. */
  private final LineBuffer printed = new LineBuffer(80 * 1024);

  /** Queued lines in two parallel arrays, so that a line costs two slots and no object of its own. */
  private static final class Lines {
    AccessLogFormat[] formats = new AccessLogFormat[FLUSH_LINES * 2];
    Object[] values = new Object[FLUSH_LINES * 2];
    int size;

    void add(AccessLogFormat format, Object value) {
      if (size == formats.length) {
        formats = Arrays.copyOf(formats, size * 2);
        values = Arrays.copyOf(values, size * 2);
      }
      formats[size] = format;
      values[size++] = value;
    }

    /** Prints the lines into {@code b}. */
    void printTo(LineBuffer b) {
      for (int i = 0; i < size; i++) {
        if (formats[i] == null) {
          b.append((String) values[i]);
        } else {
          formats[i].print(b, (Object[]) values[i]);
        }
      }
    }

    /**
     * Forgets the lines (also after a failed print, so that none is written twice); arrays a backlog grew are
     * dropped back to their first size.
     */
    void clear() {
      if (formats.length > FLUSH_LINES * 8) {
        formats = new AccessLogFormat[FLUSH_LINES * 2];
        values = new Object[FLUSH_LINES * 2];
      } else {
        Arrays.fill(formats, 0, size, null);
        Arrays.fill(values, 0, size, null);
      }
      size = 0;
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
    queue(null, line);
  }

  @Override
  public void write(AccessLogFormat format, Object[] values) {
    queue(format, values);
  }

  private void queue(AccessLogFormat format, Object value) {
    boolean flushNow;
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("access log file " + path + " is closed");
      }
      pending.add(format, value);
      flushNow = !flushQueued && pending.size >= FLUSH_LINES;
      flushQueued |= flushNow;
    }
    if (flushNow) {
      FLUSHER.get().execute(this::flush);
    }
  }

  /**
   * Prints the queued lines and writes them in one write; the flush thread and {@link #close()} call it. Flushes
   * take turns on {@code out}; callers only ever hold the queue's lock, for an append.
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
      int count = lines.size;
      try {
        lines.printTo(printed);
        printed.writeTo(out);
        out.flush();
      } catch (IOException | RuntimeException e) {
        log.warn("access log file {}: {} lines not written", path, count, e);
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
