package io.bowline.runtime.telemetry;

import io.bowline.api.config.HttpTelemetry;
import io.bowline.runtime.telemetry.format.AccessLogFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The listeners' telemetry settings made ready for calls, once per distinct {@link HttpTelemetry}:
 * the tracing format and sampling, and the access logs with their open files (one per path,
 * shared by every listener that names it, closed with the client).
 */
final class ListenerTelemetry implements AutoCloseable {
  /**
   * One listener's settings.
   *
   * @param stats the {@code istio.stats} filter's overrides, one instance per distinct config; {@code null}: none
   */
  record Compiled(TracingConfig tracing, AccessLog accessLog, StatsOverrides stats) {}

  private static final Compiled DEFAULT = new Compiled(TracingConfig.DEFAULT, null, null);
  private final ConcurrentHashMap<StatsOverrides, StatsOverrides> stats = new ConcurrentHashMap<>();

  private final ConcurrentHashMap<HttpTelemetry, Compiled> compiled = new ConcurrentHashMap<>();
  private volatile Last last;

  /** The settings looked up last, by identity. */
  private record Last(HttpTelemetry telemetry, Compiled compiled) {}
  private final ConcurrentHashMap<String, AccessLog.Sink> files = new ConcurrentHashMap<>();

  /** The settings of {@code t}; {@link HttpTelemetry#NONE}: B3, every call sampled, no access log. */
  Compiled of(HttpTelemetry t) {
    if (t == null || t == HttpTelemetry.NONE || t.isEmpty()) {
      return DEFAULT;
    }
    Last l = last; // the listener's settings are the same object from call to call: no record hash
    if (l != null && l.telemetry == t) {
      return l.compiled;
    }
    Compiled c = compiled.get(t);
    if (c == null) {
      c = compiled.computeIfAbsent(t, this::compile);
    }
    last = new Last(t, c);
    return c;
  }

  private Compiled compile(HttpTelemetry t) {
    TracingConfig tracing = t.tracing() == null ? TracingConfig.DEFAULT
        : new TracingConfig(TracePropagation.ofTracer(t.tracing().provider()), t.tracing().randomSamplingPercent(),
            SpanTags.of(t.tracing().customTags(), System::getenv));
    List<AccessLog.Log> logs = new ArrayList<>();
    for (HttpTelemetry.AccessLog l : t.accessLogs()) {
      AccessLogFormat format = l.jsonFormat() != null ? AccessLogFormat.json(l.jsonFormat())
          : AccessLogFormat.text(l.textFormat() != null ? l.textFormat() : AccessLogFormat.ISTIO_DEFAULT);
      logs.add(new AccessLog.Log(format, sink(l.path())));
    }
    StatsOverrides overrides = null;
    if (!t.metrics().isEmpty()) {
      StatsOverrides made = new StatsOverrides(t.metrics());
      overrides = stats.computeIfAbsent(made, k -> made);
    }
    return new Compiled(tracing, logs.isEmpty() ? null : new AccessLog(logs), overrides);
  }

  private AccessLog.Sink sink(String path) {
    if (path == null || path.equals("/dev/stdout")) {
      return AccessLog.slf4j();
    }
    return files.computeIfAbsent(path, p -> AccessLog.file(Path.of(p)));
  }

  @Override
  public void close() {
    for (Map.Entry<String, AccessLog.Sink> f : files.entrySet()) {
      try {
        f.getValue().close();
      } catch (RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(ListenerTelemetry.class).warn("closing access log {} failed", f.getKey(), e);
      }
    }
    files.clear();
  }
}
