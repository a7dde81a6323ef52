package io.bowline.runtime.telemetry;

import io.bowline.api.config.HttpTelemetry;
import io.bowline.runtime.telemetry.format.AccessLogFormat;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The access logs of {@code tcp_proxy} filters ({@code TcpProxy.access_log}): one line per connection when it
 * closes, to each log its filter names, formatted with Envoy's TCP values ({@link AccessLogFormat.Connection}).
 * Logs are compiled once per distinct {@code access_log} list; files are opened once per path and closed with this
 * object. Safe from any thread.
 */
public final class TcpAccessLogs implements AutoCloseable {
  private final ListenerTelemetry compiled = new ListenerTelemetry();
  private final ConcurrentHashMap<List<HttpTelemetry.AccessLog>, HttpTelemetry> byList = new ConcurrentHashMap<>();

  /**
   * Writes {@code connection}'s line to each of {@code logs}.
   *
   * @param logs the {@code tcp_proxy}'s access logs (nothing is written when empty)
   * @param connection the closed connection
   */
  public void log(List<HttpTelemetry.AccessLog> logs, AccessLogFormat.Connection connection) {
    if (logs.isEmpty()) {
      return;
    }
    AccessLog log = compiled.of(byList.computeIfAbsent(logs, l -> new HttpTelemetry(null, l))).accessLog();
    if (log != null) {
      log.log(connection);
    }
  }

  @Override
  public void close() {
    compiled.close();
  }
}
