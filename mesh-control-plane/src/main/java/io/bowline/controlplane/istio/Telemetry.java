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
 * @param metrics the {@code spec.metrics[]} entries (checked, reported as not translated)
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
   * @param providers {@code providers[].name}
   * @param overrides how many {@code overrides} it has
   * @param field where the entry is written, for diagnostics
   */
  public record Metrics(List<String> providers, int overrides, String field) {
    /** Copies the providers. */
    public Metrics {
      providers = List.copyOf(providers);
    }
  }
}
