package io.bowline.runtime.resilience.mirror;

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
    NO_HEALTHY_UPSTREAM;

    final String tag = name().toLowerCase(Locale.ROOT);
  }

  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
  private volatile MeterRegistry registry = Metrics.globalRegistry;

  /** Registers the meters in {@code registry} from now on (the global registry until called). */
  public void bind(MeterRegistry registry) {
    this.registry = registry;
    counters.clear();
  }

  /** A shadow got a response after writing {@code bodyBytes} of request body. */
  public void response(String cluster, long bodyBytes) {
    counter(REQUESTS, cluster, "outcome", "response").increment();
    if (bodyBytes > 0) {
      counter(BYTES, cluster, null, null).increment(bodyBytes);
    }
  }

  /** A shadow was sent but got no response. */
  public void failure(String cluster) {
    counter(REQUESTS, cluster, "outcome", "failure").increment();
  }

  /** A shadow was not sent. */
  public void dropped(String cluster, Drop reason) {
    counter(DROPPED, cluster, "reason", reason.tag).increment();
  }

  private Counter counter(String name, String cluster, String tag, String value) {
    String key = name + '\0' + cluster + '\0' + value;
    Counter c = counters.get(key);
    if (c == null) {
      c = counters.computeIfAbsent(key, k -> {
        Counter.Builder b = Counter.builder(name).tag("cluster", cluster);
        if (tag != null) {
          b.tag(tag, value);
        }
        if (name.equals(BYTES)) {
          b.baseUnit("bytes").description("request body bytes mirrored");
        }
        return b.register(registry);
      });
    }
    return c;
  }
}
