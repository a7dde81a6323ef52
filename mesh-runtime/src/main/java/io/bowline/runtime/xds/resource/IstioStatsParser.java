package io.bowline.runtime.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bowline.api.config.HttpTelemetry;
import io.bowline.runtime.telemetry.format.MetricExpression;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the {@code istio.stats} HTTP filter's config as istiod sends it: a {@code TypedStruct} ({@code udpa.type.v1}
 * or {@code xds.type.v3}) of type {@code type.googleapis.com/stats.PluginConfig} (istio/proxy's
 * {@code istio_stats} config). Of its fields, {@code metrics[]} ({@code name}, {@code dimensions},
 * {@code tags_to_remove}, {@code drop}) is applied; the others ({@code reporter}, {@code definitions},
 * {@code disable_host_header_fallback}, {@code tcp_reporting_duration}, a metric's {@code match}, which Istio does
 * not implement either) and unknown fields are ignored, as Envoy ignores them in a {@code TypedStruct}. A field of
 * the wrong JSON type, or a dimension outside {@link MetricExpression}'s subset, NACKs the listener naming it.
 */
final class IstioStatsParser {
  /** The type the filter's {@code TypedStruct} configures. */
  static final String TYPE = "type.googleapis.com/stats.PluginConfig";

  private IstioStatsParser() {}

  /**
   * The filter's metric configs.
   *
   * @param any the filter's {@code typed_config}
   * @param at its field path, for errors
   */
  static List<HttpTelemetry.MetricConfig> parse(Any any, String at) throws ResourceException {
    Struct config = TypedConfigs.typedStructValue(any, TYPE, at);
    if (config == null) {
      throw new ResourceException(at, "stats.PluginConfig is read from a TypedStruct only, got " + any.getTypeUrl());
    }
    String base = at + ".value";
    Value metrics = config.getFieldsMap().get("metrics");
    if (metrics == null || metrics.hasNullValue()) {
      return List.of();
    }
    if (!metrics.hasListValue()) {
      throw new ResourceException(base + ".metrics", "must be a list");
    }
    List<HttpTelemetry.MetricConfig> out = new ArrayList<>();
    List<Value> entries = metrics.getListValue().getValuesList();
    for (int i = 0; i < entries.size(); i++) {
      String path = base + ".metrics[" + i + "]";
      if (!entries.get(i).hasStructValue()) {
        throw new ResourceException(path, "must be an object (MetricConfig)");
      }
      out.add(metricConfig(entries.get(i).getStructValue(), path));
    }
    return out;
  }

  private static HttpTelemetry.MetricConfig metricConfig(Struct s, String at) throws ResourceException {
    Map<String, Value> f = s.getFieldsMap();
    String name = string(f.get("name"), at + ".name");
    Map<String, String> dimensions = new LinkedHashMap<>();
    Value dims = f.get("dimensions");
    if (dims != null && !dims.hasNullValue()) {
      if (!dims.hasStructValue()) {
        throw new ResourceException(at + ".dimensions", "must be an object of tag name to CEL expression");
      }
      for (Map.Entry<String, Value> d : dims.getStructValue().getFieldsMap().entrySet()) {
        String path = at + ".dimensions." + d.getKey();
        String expression = string(d.getValue(), path);
        try {
          MetricExpression.compile(expression);
        } catch (IllegalArgumentException e) {
          throw new ResourceException(path, e.getMessage());
        }
        dimensions.put(d.getKey(), expression);
      }
    }
    List<String> remove = new ArrayList<>();
    for (String key : List.of("tags_to_remove", "tagsToRemove")) {
      Value v = f.get(key);
      if (v == null || v.hasNullValue()) {
        continue;
      }
      if (!v.hasListValue()) {
        throw new ResourceException(at + "." + key, "must be a list of tag names");
      }
      for (int i = 0; i < v.getListValue().getValuesCount(); i++) {
        remove.add(string(v.getListValue().getValues(i), at + "." + key + "[" + i + "]"));
      }
    }
    Value drop = f.get("drop");
    if (drop != null && !drop.hasNullValue() && !drop.hasBoolValue()) {
      throw new ResourceException(at + ".drop", "must be a boolean");
    }
    return new HttpTelemetry.MetricConfig(name, dimensions, remove, drop != null && drop.getBoolValue());
  }

  /** A string field; {@code ""} when absent. */
  private static String string(Value v, String at) throws ResourceException {
    if (v == null || v.hasNullValue()) {
      return "";
    }
    if (!v.hasStringValue()) {
      throw new ResourceException(at, "must be a string");
    }
    return v.getStringValue();
  }
}
