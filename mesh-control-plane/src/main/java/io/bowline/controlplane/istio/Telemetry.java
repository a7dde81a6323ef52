package io.bowline.controlplane.istio;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * An Istio {@code Telemetry} (telemetry.istio.io v1/v1alpha1), as far as it concerns a client's outbound
 * calls (entries whose {@code match.mode} is {@code SERVER} are left out). Without {@code selector} it applies
 * to its namespace (in the root namespace, to the whole mesh); with one, to the workloads carrying its labels.
 *
 * @param ref where it came from
 * @param selector {@code spec.selector.matchLabels}; empty when the Telemetry has no selector
 * @param tracing the first {@code spec.tracing[]} entry that applies to clients; empty when none
 * @param accessLogging the first {@code spec.accessLogging[]} entry that applies to clients; empty when none
 * @param metrics the {@code spec.metrics[]} entries, in order (every entry: istiod merges them all)
 */
public record Telemetry(ResourceRef ref, Optional<Map<String, String>> selector, Optional<Tracing> tracing,
    Optional<AccessLogging> accessLogging, List<Metrics> metrics) {

  /** Copies the collections so the record stays immutable. */
  public Telemetry {
    selector = selector.map(Map::copyOf);
    metrics = List.copyOf(metrics);
  }

  /**
   * {@code spec.tracing[]}: each field is unset when absent, so a more specific Telemetry overrides only what it
   * sets.
   *
   * @param providers {@code providers[].name}, in order (Istio uses the first)
   * @param randomSamplingPercentage {@code randomSamplingPercentage}, 0–100
   * @param disableSpanReporting {@code disableSpanReporting}
   * @param customTags {@code customTags}: tag name to its literal value, {@code header:NAME} or
   *     {@code environment:NAME} as Envoy's {@code custom_tags} take them
   * @param field where the entry is written, for diagnostics
   */
  public record Tracing(List<String> providers, OptionalDouble randomSamplingPercentage,
      Optional<Boolean> disableSpanReporting, Map<String, CustomTag> customTags, String field) {
    /** Copies the collections. */
    public Tracing {
      providers = List.copyOf(providers);
      customTags = Map.copyOf(customTags);
    }
  }

  /**
   * One {@code customTags} value: exactly one of a literal, a request header or an environment variable.
   *
   * @param kind {@code literal}, {@code header} or {@code environment}
   * @param name the literal's value, the header's or the variable's name
   * @param defaultValue the value when the header or variable is absent (empty for none)
   */
  public record CustomTag(String kind, String name, String defaultValue) {}

  /**
   * {@code spec.accessLogging[]}.
   *
   * @param providers {@code providers[].name}, in order
   * @param disabled {@code disabled}
   * @param filter {@code filter.expression} (CEL)
   * @param field where the entry is written, for diagnostics
   */
  public record AccessLogging(List<String> providers, Optional<Boolean> disabled, Optional<String> filter,
      String field) {
    /** Copies the providers. */
    public AccessLogging {
      providers = List.copyOf(providers);
    }
  }

  /**
   * {@code spec.metrics[]}.
   *
   * @param providers {@code providers[].name}; empty: the parent level's providers
   * @param overrides {@code overrides}, in order (later ones take precedence)
   * @param reportingInterval whether {@code reportingInterval} is set (not translated)
   * @param field where the entry is written, for diagnostics
   */
  public record Metrics(List<String> providers, List<MetricsOverride> overrides, boolean reportingInterval,
      String field) {
    /** Copies the lists. */
    public Metrics {
      providers = List.copyOf(providers);
      overrides = List.copyOf(overrides);
    }
  }

  /** Istio's standard metrics ({@code MetricSelector.IstioMetric}), {@code ALL_METRICS} aside, in name order. */
  public static final List<String> ISTIO_METRICS = List.of("GRPC_REQUEST_MESSAGES", "GRPC_RESPONSE_MESSAGES",
      "REQUEST_COUNT", "REQUEST_DURATION", "REQUEST_SIZE", "RESPONSE_SIZE", "TCP_CLOSED_CONNECTIONS",
      "TCP_OPENED_CONNECTIONS", "TCP_RECEIVED_BYTES", "TCP_SENT_BYTES");

  /**
   * One {@code metrics[].overrides[]} entry.
   *
   * @param metric {@code match.metric} ({@code ALL_METRICS} when {@code match} names none) or
   *     {@code match.customMetric}
   * @param custom whether {@code metric} is a {@code customMetric}
   * @param mode {@code match.mode}: {@code CLIENT_AND_SERVER} (default), {@code CLIENT} or {@code SERVER}
   * @param disabled {@code disabled}; empty when unset
   * @param tagOverrides {@code tagOverrides}, in written order
   * @param field where the entry is written, for diagnostics
   */
  public record MetricsOverride(String metric, boolean custom, String mode, Optional<Boolean> disabled,
      Map<String, TagOverride> tagOverrides, String field) {
    /** Copies the tag overrides, keeping their order. */
    public MetricsOverride {
      tagOverrides = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tagOverrides));
    }

    /** Whether it selects every metric. */
    public boolean allMetrics() {
      return !custom && metric.equals("ALL_METRICS");
    }

    /** The metrics it selects: {@code ALL_METRICS} flattened to each of Istio's metrics, as istiod does. */
    public List<String> metrics() {
      return allMetrics() ? ISTIO_METRICS : List.of(metric);
    }
  }

  /**
   * One {@code tagOverrides} value.
   *
   * @param remove {@code operation: REMOVE} (else {@code UPSERT}, Istio's default)
   * @param value {@code value}: a CEL expression; empty with {@code REMOVE}
   */
  public record TagOverride(boolean remove, String value) {}
}
