package io.bowline.runtime.telemetry;

import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.runtime.lifecycle.SharedRuntime;
import io.bowline.runtime.telemetry.format.AccessLogFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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

  /** Writes the lines for a finished exchange. */
  void log(Exchange e, ExchangeResponse response, String upstreamHost) {
    long duration = Math.max(0, e.durationNanos());
    long startMillis = System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(duration);
    write(new AccessLogFormat.Entry(e, response, upstreamHost, startMillis));
  }

  /** Writes the lines for a closed TCP connection ({@code tcp_proxy}). */
  void log(AccessLogFormat.Connection c) {
    write(AccessLogFormat.Entry.of(c));
  }

  private void write(AccessLogFormat.Entry entry) {
    for (Log l : logs) {
      try {
        l.sink().write(l.format().format(entry));
      } catch (RuntimeException x) {
        log.warn("access log {} failed", l.format(), x);
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
   * only appends its line to a buffer; a flush thread writes the buffer to the file every second
   * ({@code access_log_flush_interval}'s default), or as soon as 64 KiB are waiting (Envoy's minimum flush size),
   * so no call waits for the disk. Closing the sink writes what is left.
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

  /** A file sink whose lines a flush thread writes (see {@link #file(Path)}). */
  private static final class BufferedFile implements Sink {
    static final long FLUSH_INTERVAL_MILLIS = 1_000;
    static final int FLUSH_SIZE = 64 * 1024;
    /** One flush thread for every file sink, stopped with the other mesh threads after the last client's close. */
    private static final SharedRuntime.Service<ScheduledExecutorService> FLUSHER = SharedRuntime.service(
        "access log flush", BufferedFile::flusher, ScheduledExecutorService::shutdown);

    private final Path path;
    private final OutputStream out;
    private final ScheduledFuture<?> periodic;
    private StringBuilder pending = new StringBuilder(FLUSH_SIZE);
    private StringBuilder spare = new StringBuilder(FLUSH_SIZE);
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
      boolean queue;
      synchronized (this) {
        if (closed) {
          throw new IllegalStateException("access log file " + path + " is closed");
        }
        pending.append(line);
        queue = !flushQueued && pending.length() >= FLUSH_SIZE;
        flushQueued |= queue;
      }
      if (queue) {
        FLUSHER.get().execute(this::flush);
      }
    }

    /**
     * Writes the buffered lines; the flush thread and {@link #close()} call it. Flushes take turns on {@code out};
     * callers only ever hold the buffer's lock, for an append.
     */
    private void flush() {
      synchronized (out) {
        StringBuilder lines;
        synchronized (this) {
          flushQueued = false;
          if (pending.length() == 0) {
            return;
          }
          lines = pending;
          pending = spare;
          spare = lines;
        }
        try {
          out.write(lines.toString().getBytes(StandardCharsets.UTF_8));
          out.flush();
        } catch (IOException e) {
          log.warn("access log file {}: {} characters not written", path, lines.length(), e);
        } finally {
          lines.setLength(0);
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
