package io.bowline.runtime.telemetry;

import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.runtime.telemetry.format.AccessLogFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
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
    AccessLogFormat.Entry entry = new AccessLogFormat.Entry(e, response, upstreamHost, startMillis);
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
   * Lines appended to a file ({@code envoy.access_loggers.file}), written through as each line ends.
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
    return new Sink() {
      @Override
      public synchronized void write(String line) {
        try {
          out.write(line.getBytes(StandardCharsets.UTF_8));
          out.flush();
        } catch (IOException e) {
          throw new UncheckedIOException("access log file " + path, e);
        }
      }

      @Override
      public synchronized void close() {
        try {
          out.close();
        } catch (IOException e) {
          throw new UncheckedIOException("access log file " + path, e);
        }
      }
    };
  }
}
