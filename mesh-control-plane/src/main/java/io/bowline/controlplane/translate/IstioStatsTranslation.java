package io.bowline.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bowline.controlplane.DiagnosticCode;
import io.bowline.controlplane.istio.DiagnosticCollector;
import io.bowline.controlplane.istio.MeshConfig;
import io.bowline.controlplane.istio.MeshConfig.ExtensionProvider;
import io.bowline.controlplane.istio.Telemetry;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Istio's Telemetry API {@code metrics} → the {@code istio.stats} HTTP filter of a client's outbound
 * {@code HttpConnectionManager}, as istiod builds it for a sidecar's outbound listeners: its {@code typed_config} a
 * {@code udpa.type.v1.TypedStruct} of type {@code type.googleapis.com/stats.PluginConfig} whose value is
 * {@code {metrics: [{name, dimensions, tags_to_remove, drop}]}} (istio/proxy's {@code istio_stats} config).
 *
 * <p>The merge is istiod's ({@code mergeMetrics}): the {@code metrics[]} entries of the Telemetry resources that
 * apply (root namespace, namespace, workload; each resource's entries in order) are applied in turn. An entry
 * without providers inherits its parent's; the providers in scope are the last entry's that names any, else
 * {@code prometheus} (Istio's {@code defaultProviders.metrics}). For the {@code prometheus} provider each override
 * whose mode covers clients ({@code CLIENT}, {@code CLIENT_AND_SERVER}) updates, per selected metric
 * ({@code ALL_METRICS} flattened into each metric), the metric's {@code disabled} (when set) and its tag overrides
 * (per tag, the later replaces the earlier). {@code ALL_METRICS} with {@code disabled: true} (whatever its mode)
 * turns the provider off until a later override that is not such an entry; then, where istiod drops the filter,
 * Bowline sends one {@code MetricConfig} without a name and with {@code drop}, which applies to every metric, since
 * its clients record Istio's metrics even without the filter. Metrics are written in name order (Istio's Prometheus
 * names: {@code requests_total}, ...), tags in name order.
 *
 * <p>Without any {@code metrics} entry the filter is not sent: the client records Istio's metrics unchanged.
 */
final class IstioStatsTranslation {
  /** The filter's name, as istiod names it ({@code xds.StatsFilterName}). */
  static final String FILTER_NAME = "istio.stats";
  /** The type the {@code TypedStruct} configures. */
  static final String PLUGIN_CONFIG = "type.googleapis.com/stats.PluginConfig";
  private static final String PROMETHEUS = "prometheus";

  /** Istio's metric enum → its Prometheus name without the {@code istio_} prefix (istiod's table). */
  static final Map<String, String> PROMETHEUS_NAMES = Map.ofEntries(
      Map.entry("REQUEST_COUNT", "requests_total"),
      Map.entry("REQUEST_DURATION", "request_duration_milliseconds"),
      Map.entry("REQUEST_SIZE", "request_bytes"),
      Map.entry("RESPONSE_SIZE", "response_bytes"),
      Map.entry("TCP_OPENED_CONNECTIONS", "tcp_connections_opened_total"),
      Map.entry("TCP_CLOSED_CONNECTIONS", "tcp_connections_closed_total"),
      Map.entry("TCP_SENT_BYTES", "tcp_sent_bytes_total"),
      Map.entry("TCP_RECEIVED_BYTES", "tcp_received_bytes_total"),
      Map.entry("GRPC_REQUEST_MESSAGES", "request_messages_total"),
      Map.entry("GRPC_RESPONSE_MESSAGES", "response_messages_total"));

  private IstioStatsTranslation() {}

  /** One metric's merged override. */
  private static final class Merged {
    Boolean disabled;
    final TreeMap<String, Telemetry.TagOverride> tags = new TreeMap<>();
  }

  /**
   * The client side's {@code stats.PluginConfig} for the Telemetry {@code levels} (least specific first); empty
   * when no level has a {@code metrics} entry.
   */
  static Optional<Struct> clientConfig(MeshConfig mesh, List<Telemetry> levels) {
    List<Telemetry.Metrics> entries = levels.stream().flatMap(t -> t.metrics().stream()).toList();
    if (entries.isEmpty()) {
      return Optional.empty();
    }
    List<String> inScope = List.of(PROMETHEUS);
    for (Telemetry.Metrics m : entries) {
      inScope = m.providers().isEmpty() ? inScope : m.providers();
    }
    if (inScope.stream().noneMatch(p -> isPrometheus(mesh, p))) {
      return Optional.of(dropAll());
    }
    List<String> parent = List.of(PROMETHEUS);
    boolean disabledAll = false;
    TreeMap<String, Merged> client = new TreeMap<>();
    for (Telemetry.Metrics m : entries) {
      List<String> names = m.providers().isEmpty() ? parent : m.providers();
      parent = names;
      boolean prometheus = false;
      for (String name : names) {
        prometheus |= inScope.contains(name) && isPrometheus(mesh, name);
      }
      if (!prometheus) {
        continue;
      }
      for (Telemetry.MetricsOverride o : m.overrides()) {
        if (o.allMetrics() && o.disabled().orElse(false)) {
          disabledAll = true;
          continue;
        }
        disabledAll = false;
        if (o.mode().equals("SERVER")) {
          continue;
        }
        for (String metric : o.metrics()) {
          Merged merged = client.computeIfAbsent(PROMETHEUS_NAMES.getOrDefault(metric, metric), k -> new Merged());
          o.disabled().ifPresent(d -> merged.disabled = d);
          merged.tags.putAll(o.tagOverrides());
        }
      }
    }
    if (disabledAll) {
      return Optional.of(dropAll());
    }
    ListValue.Builder metrics = ListValue.newBuilder();
    client.forEach((name, merged) -> metrics.addValues(metricConfig(name, merged)));
    return Optional.of(Struct.newBuilder().putFields("metrics", Value.newBuilder().setListValue(metrics).build())
        .build());
  }

  private static Value metricConfig(String name, Merged merged) {
    Struct.Builder dimensions = Struct.newBuilder();
    ListValue.Builder remove = ListValue.newBuilder();
    merged.tags.forEach((tag, o) -> {
      if (o.remove()) {
        remove.addValues(string(tag));
      } else {
        dimensions.putFields(tag, string(o.value()));
      }
    });
    Struct.Builder mc = Struct.newBuilder().putFields("name", string(name))
        .putFields("dimensions", Value.newBuilder().setStructValue(dimensions).build());
    if (remove.getValuesCount() > 0) {
      mc.putFields("tags_to_remove", Value.newBuilder().setListValue(remove).build());
    }
    if (Boolean.TRUE.equals(merged.disabled)) {
      mc.putFields("drop", Value.newBuilder().setBoolValue(true).build());
    }
    return Value.newBuilder().setStructValue(mc).build();
  }

  /** One {@code MetricConfig} without a name (every metric) that drops. */
  private static Struct dropAll() {
    Struct drop = Struct.newBuilder().putFields("drop", Value.newBuilder().setBoolValue(true).build()).build();
    return Struct.newBuilder().putFields("metrics", Value.newBuilder().setListValue(ListValue.newBuilder()
        .addValues(Value.newBuilder().setStructValue(drop))).build()).build();
  }

  private static Value string(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  /** Whether {@code name} is a Prometheus provider: an extension provider of that type, or Istio's built-in one. */
  private static boolean isPrometheus(MeshConfig mesh, String name) {
    ExtensionProvider p = mesh.extensionProviders().get(name);
    return p == null ? name.equals(PROMETHEUS) : p.typeName().equals(PROMETHEUS);
  }

  /** Puts the {@code istio.stats} filter with {@code config} just before the router (the last filter). */
  static void insertFilter(HttpConnectionManager.Builder hcm, Struct config) {
    List<HttpFilter> filters = new ArrayList<>(hcm.getHttpFiltersList());
    filters.removeIf(f -> f.getName().equals(FILTER_NAME));
    HttpFilter stats = HttpFilter.newBuilder().setName(FILTER_NAME).setTypedConfig(Any.pack(
        com.github.udpa.udpa.type.v1.TypedStruct.newBuilder().setTypeUrl(PLUGIN_CONFIG).setValue(config).build()))
        .build();
    filters.add(Math.max(0, filters.size() - 1), stats);
    hcm.clearHttpFilters().addAllHttpFilters(filters);
  }

  /**
   * Reports what Bowline does not translate in {@code t}'s metrics: a provider other than Prometheus (istiod also
   * configures Stackdriver; Bowline records into its Micrometer registry only) and {@code reportingInterval}.
   */
  static void check(MeshConfig mesh, Telemetry t, DiagnosticCollector diagnostics) {
    for (Telemetry.Metrics m : t.metrics()) {
      for (String name : m.providers()) {
        if (!isPrometheus(mesh, name)) {
          ExtensionProvider p = mesh.extensionProviders().get(name);
          diagnostics.warning(DiagnosticCode.NOT_TRANSLATED, t.ref(), m.field() + ".providers", "metrics provider '"
              + name + "'" + (p == null ? " is not defined in meshConfig.extensionProviders"
                  : " (" + p.typeName() + ") is not translated")
              + "; Bowline clients record Istio's metrics to their Micrometer registry (prometheus)");
        }
      }
      if (m.reportingInterval()) {
        diagnostics.warning(DiagnosticCode.NOT_TRANSLATED, t.ref(), m.field() + ".reportingInterval",
            "reportingInterval is not translated; Micrometer reports when the registry is read");
      }
    }
  }
}
