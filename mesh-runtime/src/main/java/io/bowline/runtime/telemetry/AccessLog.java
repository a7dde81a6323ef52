package io.bowline.runtime.telemetry;

import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.runtime.telemetry.format.AccessLogFormat;
import io.bowline.runtime.telemetry.format.LineBuffer;
import java.io.IOException;
import java.io.OutputStream;
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

    /**
     * {@link #write(AccessLogFormat, Exchange, ExchangeResponse, String, long)} with the {@code x-request-id} the mesh
     * generated for the call, which a sink that queues lines may keep as its UUID's two halves rather than the string
     * ({@link AccessLogFormat#capture(Object[], int, long[], int, Exchange, ExchangeResponse, String, long, String,
     * long, long)}).
     *
     * @param requestId the generated request id (the instance set on the request), or {@code null} when the request
     *     brought its own
     * @param requestIdHigh its UUID's most significant 64 bits
     * @param requestIdLow its UUID's least significant 64 bits
     */
    default void write(AccessLogFormat format, Exchange exchange, ExchangeResponse response, String upstreamHost,
        long startMillis, String requestId, long requestIdHigh, long requestIdLow) {
      write(format, exchange, response, upstreamHost, startMillis);
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

  /**
   * Writes the lines for a finished exchange, without an entry object per line; {@code requestId} is the
   * {@code x-request-id} the mesh generated (the instance set on the request, with its UUID's two halves), or
   * {@code null} when the request brought its own.
   */
  void log(Exchange e, ExchangeResponse response, String upstreamHost, String requestId, long requestIdHigh,
      long requestIdLow) {
    long duration = Math.max(0, e.durationNanos());
    long startMillis = System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(duration);
    for (Log l : logs) {
      try {
        l.sink().write(l.format(), e, response, upstreamHost, startMillis, requestId, requestIdHigh, requestIdLow);
      } catch (RuntimeException x) {
        log.warn("access log {} failed", l.format(), x);
      }
    }
  }

  /** Writes the lines for a closed TCP connection ({@code tcp_proxy}). */
  void log(AccessLogFormat.Connection c) {
    AccessLogFormat.Entry connection = AccessLogFormat.Entry.of(c);
    for (Log l : logs) {
      AccessLogFormat f = l.format();
      try {
        l.sink().write(f, f.capture(connection));
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
   * captures its line's values (strings and numbers, nothing formatted) straight into the queue's arrays under a
   * short lock ({@link AccessLogFormat#capture(Object[], int, long[], int, Exchange, ExchangeResponse, String, long)}:
   * no array or box per line); a flush thread prints the queued lines as UTF-8 bytes and writes them to the file every
   * second ({@code access_log_flush_interval}'s default), or as soon as {@value BufferedFile#FLUSH_LINES} lines are
   * waiting, a write per {@value BufferedFile#CHUNK_BYTES} bytes with a yield of its core between two, so no call
   * formats its line or waits for the disk, and no flush holds a core for long. Closing the sink writes what is left.
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
}
