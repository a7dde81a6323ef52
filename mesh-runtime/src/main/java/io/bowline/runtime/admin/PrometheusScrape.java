package io.bowline.runtime.admin;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * {@code /stats/prometheus}: the Prometheus text exposition of micrometer-registry-prometheus over the client's
 * registry. That jar is an optional dependency of mesh-runtime (about 2.5 MB with its prometheus-metrics jars):
 * this is the only class that refers to it, and {@link #open} is called only when {@link #AVAILABLE}. When the
 * registry is a composite (Micrometer's global registry, the default) without a Prometheus member, one is added
 * until {@link #close()}, so the scrape holds every meter of the composite, those registered later included.
 */
final class PrometheusScrape implements AutoCloseable {

  /** Whether micrometer-registry-prometheus is on the classpath. */
  static final boolean AVAILABLE = present();

  private final PrometheusMeterRegistry prometheus;
  private final CompositeMeterRegistry addedTo;

  private PrometheusScrape(PrometheusMeterRegistry prometheus, CompositeMeterRegistry addedTo) {
    this.prometheus = prometheus;
    this.addedTo = addedTo;
  }

  /** The scrape over {@code registry}, or null when the registry is neither Prometheus nor a composite. */
  static PrometheusScrape open(MeterRegistry registry) {
    if (registry instanceof PrometheusMeterRegistry p) {
      return new PrometheusScrape(p, null);
    }
    if (registry instanceof CompositeMeterRegistry c) {
      for (MeterRegistry member : c.getRegistries()) {
        if (member instanceof PrometheusMeterRegistry p) {
          return new PrometheusScrape(p, null);
        }
      }
      PrometheusMeterRegistry added = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      c.add(added);
      return new PrometheusScrape(added, c);
    }
    return null;
  }

  /** The text exposition (format 0.0.4). */
  String scrape() {
    return prometheus.scrape();
  }

  /** Removes the Prometheus registry this scrape added to a composite, and closes it. */
  @Override
  public void close() {
    if (addedTo != null) {
      addedTo.remove(prometheus);
      prometheus.close();
    }
  }

  private static boolean present() {
    try {
      Class.forName("io.micrometer.prometheusmetrics.PrometheusMeterRegistry", false,
          PrometheusScrape.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
