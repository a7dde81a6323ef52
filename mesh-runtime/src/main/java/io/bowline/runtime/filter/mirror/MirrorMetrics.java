package io.bowline.runtime.filter.mirror;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Micrometer meters for request mirroring ({@code request_mirror_policies}), tagged with the
 * mirror cluster's name ({@code cluster}):
 * <ul>
 *   <li>{@code bowline.mirror.requests} (counter, tag {@code outcome}): shadows sent, by how they
 *       ended: {@code response} (any status) or {@code failure} (no response: connect failure,
 *       reset, timeout);
 *   <li>{@code bowline.mirror.bytes} (counter, base unit bytes): request body bytes written to the
 *       mirror target by shadows that got a response;
 *   <li>{@code bowline.mirror.dropped} (counter, tag {@code reason}): shadows never sent, by
 *       {@link Drop} reason.
 * </ul>
 */
public final class MirrorMetrics {
  static final String REQUESTS = "bowline.mirror.requests";
  static final String BYTES = "bowline.mirror.bytes";
  static final String DROPPED = "bowline.mirror.dropped";

  /** Why a shadow was not sent. */
  public enum Drop {
    /** The mirror executor's queue was full. */
    QUEUE_FULL,
    /** The mirror cluster's circuit breaker ({@code max_requests}) was open. */
    OVERFLOW,
    /** The chosen endpoint is in {@link ShadowConnectBackoff connection back-off}. */
    CONNECT_BACKOFF,
    /** The mirror cluster has no endpoint. */
    NO_HEALTHY_UPSTREAM,
    /** The route timeout (which bounds a shadow, as in Envoy) passed while it waited in the queue. */
    EXPIRED;

    final String tag = name().toLowerCase(Locale.ROOT);
  }

  private final ConcurrentHashMap<String, ClusterMeters> clusters = new ConcurrentHashMap<>();
  private volatile MeterRegistry registry = Metrics.globalRegistry;

  /** Registers the meters in {@code registry} from now on (the global registry until called). */
  public void bind(MeterRegistry registry) {
    this.registry = registry;
    clusters.clear();
  }

  /** A shadow got a response after writing {@code bodyBytes} of request body. */
  public void response(String cluster, long bodyBytes) {
    ClusterMeters m = meters(cluster);
    m.response.increment();
    if (bodyBytes > 0) {
      m.bytes.increment(bodyBytes);
    }
  }

  /** A shadow was sent but got no response. */
  public void failure(String cluster) {
    meters(cluster).failure.increment();
  }

  /** A shadow was not sent (this may run on the caller's thread: no allocation once warm). */
  public void dropped(String cluster, Drop reason) {
    meters(cluster).dropped(reason).increment();
  }

  private ClusterMeters meters(String cluster) {
    ClusterMeters m = clusters.get(cluster);
    return m != null ? m : clusters.computeIfAbsent(cluster, c -> new ClusterMeters(c, registry));
  }

  /** One mirror cluster's counters; the drop counters are registered on first use. */
  private static final class ClusterMeters {
    final String cluster;
    final MeterRegistry registry;
    final Counter response;
    final Counter failure;
    final Counter bytes;
    final Counter[] dropped = new Counter[Drop.values().length];

    ClusterMeters(String cluster, MeterRegistry registry) {
      this.cluster = cluster;
      this.registry = registry;
      this.response = Counter.builder(REQUESTS).tags("cluster", cluster, "outcome", "response")
          .description("shadow requests sent, by outcome").register(registry);
      this.failure = Counter.builder(REQUESTS).tags("cluster", cluster, "outcome", "failure")
          .description("shadow requests sent, by outcome").register(registry);
      this.bytes = Counter.builder(BYTES).tag("cluster", cluster).baseUnit("bytes")
          .description("request body bytes mirrored").register(registry);
    }

    Counter dropped(Drop reason) {
      Counter c = dropped[reason.ordinal()];
      if (c == null) {
        c = Counter.builder(DROPPED).tags("cluster", cluster, "reason", reason.tag)
            .description("shadow requests not sent, by reason").register(registry);
        dropped[reason.ordinal()] = c; // a benign race: registering twice returns the same counter
      }
      return c;
    }
  }
}
