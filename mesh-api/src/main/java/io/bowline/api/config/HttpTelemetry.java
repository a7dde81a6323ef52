package io.bowline.api.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an {@code HttpConnectionManager} says about telemetry: its {@code tracing}, its
 * {@code access_log}s and its {@code istio.stats} filter's metric overrides.
 *
 * @param tracing the HCM's {@code tracing}, or {@code null} when it has none (the mesh then sends
 *     B3 headers and leaves sampling to the application's OpenTelemetry SDK)
 * @param accessLogs the HCM's {@code access_log}, in order; empty for none
 * @param metrics the {@code istio.stats} filter's {@code stats.PluginConfig.metrics}, in order; empty without the
 *     filter or overrides (Istio's metrics with their standard labels)
 */
public record HttpTelemetry(Tracing tracing, List<AccessLog> accessLogs, List<MetricConfig> metrics) {
  /** No tracing configuration, no access log, no metric override. */
  public static final HttpTelemetry NONE = new HttpTelemetry(null, List.of());

  /**
   * Keeps immutable copies of the lists.
   *
   * @param tracing the HCM's {@code tracing}, or {@code null}
   * @param accessLogs the HCM's {@code access_log}; {@code null} for none
   * @param metrics the metric overrides; {@code null} for none
   */
  public HttpTelemetry {
    accessLogs = accessLogs == null ? List.of() : List.copyOf(accessLogs);
    metrics = metrics == null ? List.of() : List.copyOf(metrics);
  }

  /**
   * Tracing and access logs without metric overrides.
   *
   * @param tracing the HCM's {@code tracing}, or {@code null}
   * @param accessLogs the HCM's {@code access_log}; {@code null} for none
   */
  public HttpTelemetry(Tracing tracing, List<AccessLog> accessLogs) {
    this(tracing, accessLogs, List.of());
  }

  /**
   * Whether it configures nothing.
   *
   * @return {@code true} without tracing, access log and metric override
   */
  public boolean isEmpty() {
    return tracing == null && accessLogs.isEmpty() && metrics.isEmpty();
  }

  /**
   * One {@code stats.PluginConfig.metrics[]} entry of the {@code istio.stats} filter (istio/proxy's
   * {@code MetricConfig}), as istiod writes Istio's Telemetry API {@code metrics.overrides}.
   *
   * @param name the metric it applies to, Istio's Prometheus name without {@code istio_} ({@code requests_total},
   *     {@code request_duration_milliseconds}, {@code request_bytes}, {@code response_bytes}, ...); {@code ""}: every
   *     metric
   * @param dimensions tags to add or replace: tag name to a CEL expression of the supported subset
   * @param tagsToRemove tags to remove
   * @param drop the metric is not recorded
   */
  public record MetricConfig(String name, Map<String, String> dimensions, List<String> tagsToRemove, boolean drop) {
    /**
     * Keeps immutable, ordered copies.
     *
     * @param name the metric, {@code ""} for all
     * @param dimensions tag name to CEL expression; {@code null} for none
     * @param tagsToRemove tags to remove; {@code null} for none
     * @param drop whether the metric is dropped
     * @throws NullPointerException if {@code name} is null
     */
    public MetricConfig {
      Objects.requireNonNull(name, "name");
      dimensions = dimensions == null ? Map.of()
          : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(dimensions));
      tagsToRemove = tagsToRemove == null ? List.of() : List.copyOf(tagsToRemove);
    }
  }

  /**
   * {@code HttpConnectionManager.tracing}.
   *
   * @param provider {@code tracing.provider.name}, e.g. {@code envoy.tracers.zipkin} (B3) or
   *     {@code envoy.tracers.opentelemetry} (W3C)
   * @param randomSamplingPercent {@code tracing.random_sampling}, 0–100 (Envoy's default: 100)
   * @param customTags {@code tracing.custom_tags}, in order; empty for none
   */
  public record Tracing(String provider, double randomSamplingPercent, List<CustomTag> customTags) {
    /**
     * Checks the percentage.
     *
     * @param provider the tracer's name
     * @param randomSamplingPercent 0–100
     * @param customTags the custom tags; {@code null} for none
     * @throws IllegalArgumentException if the percentage is outside 0–100
     */
    public Tracing {
      Objects.requireNonNull(provider, "provider");
      if (!(randomSamplingPercent >= 0 && randomSamplingPercent <= 100)) {
        throw new IllegalArgumentException("tracing.random_sampling must be within 0-100, got "
            + randomSamplingPercent);
      }
      customTags = customTags == null ? List.of() : List.copyOf(customTags);
    }

    /**
     * Tracing without custom tags.
     *
     * @param provider the tracer's name
     * @param randomSamplingPercent 0–100
     */
    public Tracing(String provider, double randomSamplingPercent) {
      this(provider, randomSamplingPercent, List.of());
    }
  }

  /**
   * One {@code envoy.type.tracing.v3.CustomTag}: a span tag whose value is a literal, a request header or an
   * environment variable.
   *
   * @param tag the tag's name ({@code tag})
   * @param kind where its value comes from
   * @param source the literal value ({@code literal.value}), the header ({@code request_header.name}) or the
   *     variable ({@code environment.name})
   * @param defaultValue {@code default_value} when the header or variable is absent; {@code ""} for none (the tag
   *     is then not set)
   */
  public record CustomTag(String tag, Kind kind, String source, String defaultValue) {
    /** Where a custom tag's value comes from. */
    public enum Kind {
      /** {@code literal}. */
      LITERAL,
      /** {@code request_header}. */
      REQUEST_HEADER,
      /** {@code environment}. */
      ENVIRONMENT
    }

    /**
     * Checks the fields.
     *
     * @param tag the tag's name
     * @param kind where its value comes from
     * @param source the literal value, the header or the variable
     * @param defaultValue the value when the header or variable is absent, {@code ""} for none
     * @throws NullPointerException if a field is null
     */
    public CustomTag {
      Objects.requireNonNull(tag, "tag");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(defaultValue, "defaultValue");
    }
  }

  /**
   * One {@code access_log} entry: {@code envoy.access_loggers.file} ({@code FileAccessLog}) or
   * {@code envoy.access_loggers.stdout} ({@code StdoutAccessLog}).
   *
   * @param path the file ({@code FileAccessLog.path}), or {@code null} for standard output
   * @param textFormat {@code log_format.text_format_source.inline_string} (or {@code text_format}),
   *     or {@code null}
   * @param jsonFormat {@code log_format.json_format}: keys and their format strings, or {@code null}
   */
  public record AccessLog(String path, String textFormat, Map<String, String> jsonFormat) {
    /**
     * Keeps an immutable, ordered copy of the JSON format.
     *
     * @param path the file, or {@code null} for standard output
     * @param textFormat the text format, or {@code null}
     * @param jsonFormat the JSON format, or {@code null}
     * @throws IllegalArgumentException if both formats are set
     */
    public AccessLog {
      if (textFormat != null && jsonFormat != null) {
        throw new IllegalArgumentException("access log: one of text_format and json_format, not both");
      }
      jsonFormat = jsonFormat == null ? null : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(jsonFormat));
    }
  }
}
