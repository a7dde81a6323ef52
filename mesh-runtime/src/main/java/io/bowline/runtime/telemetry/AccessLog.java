package io.bowline.runtime.telemetry;

import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.runtime.lifecycle.SharedRuntime;
import io.bowline.runtime.telemetry.format.AccessLogFormat;
import io.bowline.runtime.telemetry.format.LineBuffer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access logs of a listener (its {@code HttpConnectionManager.access_log}): one line per
 * finished call to each log, formatted by its {@link AccessLogFormat}. A log writes to a file
 * ({@code envoy.access_loggers.file}) or, for {@code envoy.access_loggers.stdout} and the file
 * {@code /dev/stdout} (Istio's {@code accessLogFile} default), to the SLF4J logger {@value #LOGGER}
 * at INFO: inside an application its logging is what standard output is to a proxy.
 */
public final class AccessLog implements AutoCloseable {
  /** The SLF4J logger's name. */
  public static final String LOGGER = "bowline.access_log";
  private static final Logger slf4j = LoggerFactory.getLogger(LOGGER);
  private static final Logger log = LoggerFactory.getLogger(AccessLog.class);

  /** Where one log's lines go. */
  public interface Sink extends AutoCloseable {
    /** Writes one newline-terminated line. */
    void write(String line);

    /**
     * Writes the line {@code format} makes of {@code values} ({@link AccessLogFormat#capture}); a sink that writes
     * later may format it then, off the caller's thread.
     */
    default void write(AccessLogFormat format, Object[] values) {
      write(format.format(values));
    }

    /**
     * Writes the line {@code format} makes of a finished exchange; a sink that prints lines to bytes may read the
     * values as it prints them ({@link AccessLogFormat#print(LineBuffer, Exchange, ExchangeResponse, String, long)}),
     * without capturing them first.
     *
     * @param exchange the finished exchange
     * @param response its response head, or {@code null} when not kept
     * @param upstreamHost the last attempt's endpoint ({@code address:port}), or {@code null}
     * @param startMillis when the call started, epoch milliseconds
     */
    default void write(AccessLogFormat format, Exchange exchange, ExchangeResponse response, String upstreamHost,
        long startMillis) {
      write(format, format.capture(exchange, response, upstreamHost, startMillis));
    }

    @Override
    default void close() {}
  }

  /** One configured log: its format and its sink. */
  public record Log(AccessLogFormat format, Sink sink) {}

  private final List<Log> logs;
  private final boolean readsResponse;

  /** @param logs the listener's logs, in order */
  public AccessLog(List<Log> logs) {
    this.logs = List.copyOf(logs);
    this.readsResponse = this.logs.stream().anyMatch(l -> l.format().readsResponse());
  }

  /** Whether a line reads response headers, so the filter keeps the response head. */
  boolean readsResponse() {
    return readsResponse;
  }

  /** Writes the lines for a finished exchange, without an entry object per line. */
  void log(Exchange e, ExchangeResponse response, String upstreamHost) {
    long duration = Math.max(0, e.durationNanos());
    long startMillis = System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(duration);
    write(e, response, upstreamHost, startMillis, null);
  }

  /** Writes the lines for a closed TCP connection ({@code tcp_proxy}). */
  void log(AccessLogFormat.Connection c) {
    write(null, null, null, 0, AccessLogFormat.Entry.of(c));
  }

  /** Writes an exchange's lines, or with {@code connection} a TCP connection's. */
  private void write(Exchange e, ExchangeResponse response, String upstreamHost, long startMillis,
      AccessLogFormat.Entry connection) {
    for (Log l : logs) {
      AccessLogFormat f = l.format();
      try {
        if (connection != null) {
          l.sink().write(f, f.capture(connection));
        } else {
          l.sink().write(f, e, response, upstreamHost, startMillis);
        }
      } catch (RuntimeException x) {
        log.warn("access log {} failed", f, x);
      }
    }
  }

  @Override
  public void close() {
    for (Log l : logs) {
      try {
        l.sink().close();
      } catch (Exception x) {
        log.warn("closing access log {} failed", l.format(), x);
      }
    }
  }

  /** Lines to the SLF4J logger {@value #LOGGER} at INFO, without the trailing newline. */
  public static Sink slf4j() {
    return line -> slf4j.info(line.endsWith("\n") ? line.substring(0, line.length() - 1) : line);
  }

  /** Lines to standard output ({@code envoy.access_loggers.stdout}). */
  public static Sink stdout() {
    return line -> {
      System.out.print(line);
      System.out.flush();
    };
  }

  /**
   * Lines appended to a file ({@code envoy.access_loggers.file}) as Envoy's file access log writes them: a call
   * prints its line as UTF-8 bytes into a per-thread scratch buffer (no string and no object per line) and appends
   * the bytes to the file's buffer under a short lock; a flush thread writes the buffer to the file in one write
   * every second ({@code access_log_flush_interval}'s default), or as soon as {@value BufferedFile#FLUSH_BYTES}
   * bytes (Envoy's minimum flush size) are waiting, so no call waits for the disk and the flush thread only copies
   * bytes to the file. Closing the sink writes what is left.
   *
   * @param path the file; {@code /dev/stdout} writes to standard output
   * @return the sink; close it to close the file
   * @throws IllegalArgumentException naming the file if it cannot be opened for appending
   */
  public static Sink file(Path path) {
    if (path.toString().equals("/dev/stdout")) {
      return stdout();
    }
    OutputStream out;
    try {
      out = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
          StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new IllegalArgumentException("access log file " + path + " cannot be opened for appending: " + e, e);
    }
    return new BufferedFile(path, out);
  }

  /** A file sink whose calls print their lines into a buffer that a flush thread writes (see {@link #file(Path)}). */
  private static final class BufferedFile implements Sink {
    static final long FLUSH_INTERVAL_MILLIS = 1_000;
    /** Bytes waiting after which a flush is queued at once: Envoy's minimum flush size. */
    static final int FLUSH_BYTES = 64 * 1024;
    /** A thread's scratch buffer above this size is dropped after its line (one long line does not stay). */
    static final int SCRATCH_MAX_BYTES = 4 * 1024;
    /** One flush thread for every file sink, stopped with the other mesh threads after the last client's close. */
    private static final SharedRuntime.Service<ScheduledExecutorService> FLUSHER = SharedRuntime.service(
        "access log flush", BufferedFile::flusher, ScheduledExecutorService::shutdown);
    /** Where a calling thread prints its line before appending it to a file's buffer. */
    private static final ThreadLocal<LineBuffer> SCRATCH = ThreadLocal.withInitial(() -> new LineBuffer(512));

    private final Path path;
    private final OutputStream out;
    private final ScheduledFuture<?> periodic;
    /** The lines waiting, as bytes, and the buffer the last flush wrote (swapped at a flush). */
    private LineBuffer pending = new LineBuffer(FLUSH_BYTES + 8 * 1024);
    private LineBuffer spare = new LineBuffer(FLUSH_BYTES + 8 * 1024);
    private int pendingLines;
    private boolean flushQueued;
    private boolean closed;

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
      append(scratch().append(line));
    }

    @Override
    public void write(AccessLogFormat format, Object[] values) {
      LineBuffer line = scratch();
      format.print(line, values);
      append(line);
    }

    @Override
    public void write(AccessLogFormat format, Exchange exchange, ExchangeResponse response, String upstreamHost,
        long startMillis) {
      LineBuffer line = scratch();
      format.print(line, exchange, response, upstreamHost, startMillis);
      append(line);
    }

    private static LineBuffer scratch() {
      LineBuffer b = SCRATCH.get();
      b.clear(SCRATCH_MAX_BYTES);
      return b;
    }

    private void append(LineBuffer line) {
      boolean queue;
      synchronized (this) {
        if (closed) {
          throw new IllegalStateException("access log file " + path + " is closed");
        }
        pending.append(line);
        pendingLines++;
        queue = !flushQueued && pending.length() >= FLUSH_BYTES;
        flushQueued |= queue;
      }
      if (queue) {
        FLUSHER.get().execute(this::flush);
      }
    }

    /**
     * Writes the buffered lines in one write; the flush thread and {@link #close()} call it. Flushes take turns on
     * {@code out}; callers only ever hold the buffer's lock, for an append.
     */
    private void flush() {
      synchronized (out) {
        LineBuffer bytes;
        int lines;
        synchronized (this) {
          flushQueued = false;
          if (pendingLines == 0) {
            return;
          }
          bytes = pending;
          lines = pendingLines;
          pending = spare;
          pendingLines = 0;
          spare = bytes;
        }
        try {
          bytes.writeTo(out);
          out.flush();
        } catch (IOException | RuntimeException e) {
          log.warn("access log file {}: {} lines not written", path, lines, e);
        } finally {
          bytes.clear(4 * FLUSH_BYTES);
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
}
