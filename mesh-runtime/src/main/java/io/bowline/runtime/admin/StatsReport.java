package io.bowline.runtime.admin;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Envoy's {@code /stats} (one {@code name: value} line per value, sorted, optionally filtered by a regular
 * expression as Envoy's {@code ?filter=}) and {@code /stats/prometheus} (the Prometheus text exposition of
 * micrometer-registry-prometheus) over the client's Micrometer registry. When that registry is a composite
 * (Micrometer's global registry, the default) without a Prometheus member, one is added for as long as this
 * report is open, so the scrape holds every meter of the composite, those registered later included.
 */
final class StatsReport implements AutoCloseable {
  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;
  private final CompositeMeterRegistry addedTo;

  StatsReport(MeterRegistry registry) {
    this.registry = registry;
    PrometheusMeterRegistry found = null;
    CompositeMeterRegistry composite = null;
    if (registry instanceof PrometheusMeterRegistry p) {
      found = p;
    } else if (registry instanceof CompositeMeterRegistry c) {
      for (MeterRegistry member : c.getRegistries()) {
        if (member instanceof PrometheusMeterRegistry p) {
          found = p;
        }
      }
      if (found == null) {
        found = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        c.add(found);
        composite = c;
      }
    }
    this.prometheus = found;
    this.addedTo = composite;
  }

  /** The Prometheus text exposition (format 0.0.4), or null when the registry cannot give one. */
  String prometheus() {
    return prometheus == null ? null : prometheus.scrape();
  }

  /** What to tell a client when {@link #prometheus()} is null. */
  String noPrometheusReason() {
    return "the mesh client's meter registry is a " + registry.getClass().getName() + "; /stats/prometheus needs "
        + "a PrometheusMeterRegistry or a CompositeMeterRegistry (the default, Metrics.globalRegistry)\n";
  }

  /** Every meter's values as {@code name{tag=value,...}.statistic: value} lines, sorted. */
  String text(Pattern filter) {
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

  /** Removes the Prometheus registry this report added to a composite, and closes it. */
  @Override
  public void close() {
    if (addedTo != null) {
      addedTo.remove(prometheus);
      prometheus.close();
    }
  }
}
