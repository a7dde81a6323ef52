package io.bowline.controlplane.istio;

import io.bowline.controlplane.DiagnosticCode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Parses a Telemetry's {@code spec} ({@code selector.matchLabels}, {@code tracing}, {@code accessLogging},
 * {@code metrics}). An entry whose {@code match.mode} is {@code SERVER} concerns a workload's inbound side and is
 * left out; of the remaining entries of a list the first applies (istiod honours one per mode).
 */
final class TelemetryParser {

  private static final Set<String> HANDLED = Set.of("selector", "tracing", "accessLogging", "metrics");
  private static final Set<String> TRACING = Set.of("match", "providers", "randomSamplingPercentage",
      "disableSpanReporting", "customTags");
  private static final Set<String> ACCESS_LOGGING = Set.of("match", "providers", "disabled", "filter");
  private static final Set<String> METRICS = Set.of("providers", "overrides", "reportingInterval");
  private static final Set<String> OVERRIDE = Set.of("match", "disabled", "tagOverrides");
  private static final Set<String> MATCH = Set.of("metric", "customMetric", "mode");
  private static final Set<String> TAG_OVERRIDE = Set.of("operation", "value");
  private static final Set<String> MODES = Set.of("CLIENT_AND_SERVER", "CLIENT", "SERVER");

  private TelemetryParser() {}

  /** Returns the Telemetry, or empty after an error. */
  static Optional<Telemetry> parse(SpecReader spec) {
    spec.reportUnhandled(HANDLED, Set.of());
    int errors = spec.diagnostics().list().size();
    Optional<Map<String, String>> selector =
        spec.object("selector").map(selectorSpec -> selectorSpec.stringMap("matchLabels"));
    Telemetry.Tracing tracing = null;
    for (SpecReader entry : spec.objects("tracing")) {
      entry.reportUnhandled(TRACING, Set.of());
      Telemetry.Tracing parsed = tracing(entry);
      if (tracing == null && forClients(entry)) {
        tracing = parsed;
      }
    }
    Telemetry.AccessLogging accessLogging = null;
    for (SpecReader entry : spec.objects("accessLogging")) {
      entry.reportUnhandled(ACCESS_LOGGING, Set.of());
      Telemetry.AccessLogging parsed = new Telemetry.AccessLogging(providers(entry), entry.bool("disabled"),
          entry.object("filter").flatMap(filter -> filter.string("expression")), entry.path());
      if (accessLogging == null && forClients(entry)) {
        accessLogging = parsed;
      }
    }
    List<Telemetry.Metrics> metrics = new ArrayList<>();
    for (SpecReader entry : spec.objects("metrics")) {
      entry.reportUnhandled(METRICS, Set.of());
      List<Telemetry.MetricsOverride> overrides = new ArrayList<>();
      for (SpecReader o : entry.objects("overrides")) {
        metricsOverride(o).ifPresent(overrides::add);
      }
      metrics.add(new Telemetry.Metrics(providers(entry), overrides, entry.has("reportingInterval"), entry.path()));
    }
    boolean valid = spec.diagnostics().list().subList(errors, spec.diagnostics().list().size()).stream()
        .noneMatch(io.bowline.controlplane.Diagnostic::isError);
    return valid ? Optional.of(new Telemetry(spec.ref(), selector, Optional.ofNullable(tracing),
        Optional.ofNullable(accessLogging), metrics)) : Optional.empty();
  }

  private static Optional<Telemetry.MetricsOverride> metricsOverride(SpecReader o) {
    o.reportUnhandled(OVERRIDE, Set.of());
    String metric = "ALL_METRICS";
    boolean custom = false;
    String mode = "CLIENT_AND_SERVER";
    Optional<SpecReader> match = o.object("match");
    if (match.isPresent()) {
      SpecReader m = match.get();
      m.reportUnhandled(MATCH, Set.of());
      if (m.has("metric") && m.has("customMetric")) {
        m.error("metric", "set one of metric and customMetric, not both");
        return Optional.empty();
      }
      Optional<String> named = m.string("metric");
      Optional<String> customMetric = m.string("customMetric");
      if (named.isPresent()) {
        metric = named.get();
        if (!metric.equals("ALL_METRICS") && !Telemetry.ISTIO_METRICS.contains(metric)) {
          m.error(DiagnosticCode.SCHEMA_VALIDATION_ERROR, "metric", "'" + ValueChecks.shorten(metric)
              + "' is not one of ALL_METRICS, " + String.join(", ", Telemetry.ISTIO_METRICS));
          return Optional.empty();
        }
      } else if (customMetric.isPresent()) {
        metric = customMetric.get();
        custom = true;
      }
      mode = m.string("mode").orElse(mode);
      if (!MODES.contains(mode)) {
        m.error(DiagnosticCode.SCHEMA_VALIDATION_ERROR, "mode", "'" + ValueChecks.shorten(mode)
            + "' is not one of CLIENT_AND_SERVER, CLIENT, SERVER");
        return Optional.empty();
      }
    }
    Map<String, Telemetry.TagOverride> tags = new LinkedHashMap<>();
    Optional<SpecReader> tagOverrides = o.object("tagOverrides");
    if (tagOverrides.isPresent()) {
      SpecReader t = tagOverrides.get();
      for (String name : t.keys()) {
        Optional<SpecReader> body = t.object(name);
        if (body.isEmpty()) {
          return Optional.empty();
        }
        body.get().reportUnhandled(TAG_OVERRIDE, Set.of());
        String operation = body.get().string("operation").orElse("UPSERT");
        Optional<String> value = body.get().string("value");
        if (operation.equals("REMOVE")) {
          tags.put(name, new Telemetry.TagOverride(true, ""));
        } else if (!operation.equals("UPSERT")) {
          body.get().error(DiagnosticCode.SCHEMA_VALIDATION_ERROR, "operation", "'"
              + ValueChecks.shorten(operation) + "' is not one of UPSERT, REMOVE");
          return Optional.empty();
        } else if (value.isEmpty() || value.get().isBlank()) {
          body.get().error("value", "must be set (a CEL expression) when operation is UPSERT");
          return Optional.empty();
        } else {
          tags.put(name, new Telemetry.TagOverride(false, value.get()));
        }
      }
    }
    return Optional.of(new Telemetry.MetricsOverride(metric, custom, mode, o.bool("disabled"), tags, o.path()));
  }

  private static Telemetry.Tracing tracing(SpecReader entry) {
    OptionalDouble sampling = OptionalDouble.empty();
    Optional<String> raw = entry.string("randomSamplingPercentage");
    if (raw.isPresent()) {
      sampling = percentage(entry, "randomSamplingPercentage", raw.get());
    }
    Map<String, Telemetry.CustomTag> tags = new LinkedHashMap<>();
    entry.object("customTags").ifPresent(customTags -> {
      for (String name : customTags.keys()) {
        customTags.object(name).flatMap(tag -> customTag(customTags, name, tag)).ifPresent(tag -> tags.put(name, tag));
      }
    });
    return new Telemetry.Tracing(providers(entry), sampling, entry.bool("disableSpanReporting"), tags, entry.path());
  }

  private static Optional<Telemetry.CustomTag> customTag(SpecReader customTags, String name, SpecReader tag) {
    List<String> kinds = tag.keys().stream().filter(k -> Set.of("literal", "header", "environment").contains(k))
        .toList();
    if (kinds.size() != 1 || tag.keys().size() != 1) {
      customTags.error(name, "must set exactly one of literal, header or environment");
      return Optional.empty();
    }
    String kind = kinds.get(0);
    Optional<SpecReader> body = tag.object(kind);
    if (body.isEmpty()) {
      return Optional.empty();
    }
    Optional<String> value = kind.equals("literal") ? body.get().requiredString("value")
        : body.get().requiredString("name");
    return value.map(v -> new Telemetry.CustomTag(kind, v, body.get().string("defaultValue").orElse("")));
  }

  static OptionalDouble percentage(SpecReader at, String key, String raw) {
    try {
      double value = Double.parseDouble(raw);
      if (value >= 0 && value <= 100) {
        return OptionalDouble.of(value);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    at.error(key, "'" + ValueChecks.shorten(raw) + "' is not a percentage within 0-100");
    return OptionalDouble.empty();
  }

  private static List<String> providers(SpecReader entry) {
    List<String> names = new ArrayList<>();
    for (SpecReader provider : entry.objects("providers")) {
      provider.requiredString("name").ifPresent(names::add);
    }
    return names;
  }

  /** Whether the entry applies to a client's outbound calls ({@code match.mode} unset, CLIENT or CLIENT_AND_SERVER). */
  private static boolean forClients(SpecReader entry) {
    String mode = entry.object("match").flatMap(match -> match.string("mode")).orElse("CLIENT_AND_SERVER");
    if (!MODES.contains(mode)) {
      entry.error(DiagnosticCode.SCHEMA_VALIDATION_ERROR, "match.mode", "'" + ValueChecks.shorten(mode)
          + "' is not one of CLIENT_AND_SERVER, CLIENT, SERVER");
      return false;
    }
    return !mode.equals("SERVER");
  }
}
