package io.bowline.runtime.admin;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Tag;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Envoy's {@code /stats} (one {@code name: value} line per value, sorted, optionally filtered by a regular
 * expression as Envoy's {@code ?filter=}) and {@code /stats/prometheus} (through {@link PrometheusScrape}, when
 * micrometer-registry-prometheus is on the classpath) over the client's Micrometer registry.
 */
final class StatsReport implements AutoCloseable {
  private final MeterRegistry registry;
  private final PrometheusScrape prometheus;
  /** Merges buffered meter values into the registry before a report reads it. */
  private final Runnable flush;

  StatsReport(MeterRegistry registry, Runnable flush) {
    this.registry = registry;
    this.flush = flush;
    this.prometheus = PrometheusScrape.AVAILABLE ? PrometheusScrape.open(registry) : null;
  }

  /** The Prometheus text exposition (format 0.0.4), or null when the registry cannot give one. */
  String prometheus() {
    if (prometheus == null) {
      return null;
    }
    flush.run();
    return prometheus.scrape();
  }

  /** What to tell a client when {@link #prometheus()} is null. */
  String noPrometheusReason() {
    if (!PrometheusScrape.AVAILABLE) {
      return "/stats/prometheus needs io.micrometer:micrometer-registry-prometheus on the classpath (an optional "
          + "dependency of io.bowline:mesh-runtime; bowline-bom names the version)\n";
    }
    return "the mesh client's meter registry is a " + registry.getClass().getName() + "; /stats/prometheus needs "
        + "a PrometheusMeterRegistry or a CompositeMeterRegistry (the default, Metrics.globalRegistry)\n";
  }

  /** Every meter's values as {@code name{tag=value,...}.statistic: value} lines, sorted. */
  String text(Pattern filter) {
    flush.run();
    Map<String, String> lines = new TreeMap<>();
    for (Meter m : registry.getMeters()) {
      StringBuilder id = new StringBuilder(m.getId().getName());
      if (!m.getId().getTags().isEmpty()) {
        id.append('{');
        boolean first = true;
        for (Tag t : m.getId().getTags()) {
          id.append(first ? "" : ",").append(t.getKey()).append('=').append(t.getValue());
          first = false;
        }
        id.append('}');
      }
      int count = 0;
      for (Measurement ignored : m.measure()) {
        count++;
      }
      for (Measurement v : m.measure()) {
        String name = count == 1 ? id.toString() : id + "." + v.getStatistic().getTagValueRepresentation();
        if (filter == null || filter.matcher(name).find()) {
          double d = v.getValue();
          lines.put(name, d == Math.rint(d) && !Double.isInfinite(d) ? Long.toString((long) d) : Double.toString(d));
        }
      }
    }
    StringBuilder b = new StringBuilder();
    lines.forEach((k, v) -> b.append(k).append(": ").append(v).append('\n'));
    return b.toString();
  }

  /** Releases the Prometheus registry the scrape may have added to a composite. */
  @Override
  public void close() {
    if (prometheus != null) {
      prometheus.close();
    }
  }
}
