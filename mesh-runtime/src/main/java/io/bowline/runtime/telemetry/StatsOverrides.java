package io.bowline.runtime.telemetry;

import io.bowline.api.config.HttpTelemetry;
import io.bowline.api.filter.Exchange;
import io.bowline.runtime.telemetry.format.MetricExpression;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code istio.stats} filter's metric configs ({@link HttpTelemetry.MetricConfig}) resolved for Istio's four
 * HTTP metrics: per metric whether it is dropped and the tag edits to make. Configs apply in order, a config without
 * a name to every metric; per tag the later edit (remove, or set to an expression's value) replaces the earlier, and
 * the edits are made on Istio's standard labels. Literal values are folded into the labels fixed per destination;
 * the other expressions are evaluated once per call, into the key of the call's meters.
 */
final class StatsOverrides {
  /** Istio's HTTP metrics by their Prometheus names without {@code istio_}, in {@link MeterSet.Meters} order. */
  static final List<String> METRICS = List.of("requests_total", "request_duration_milliseconds", "request_bytes",
      "response_bytes");

  /** One tag edit: removal ({@code expression == null}), or its value. */
  private record Edit(MetricExpression expression, int dynamicIndex) {}

  private final List<HttpTelemetry.MetricConfig> configs;
  private final boolean[] drop = new boolean[METRICS.size()];
  private final List<Map<String, Edit>> edits = new ArrayList<>();
  /** The expressions evaluated per call (distinct), in the order of a call's key. */
  private final List<MetricExpression> dynamic = new ArrayList<>();

  /**
   * @param configs the filter's {@code metrics[]}, in order; each dimension an expression
   *     {@link MetricExpression#compile} accepts (checked when the listener was read)
   */
  StatsOverrides(List<HttpTelemetry.MetricConfig> configs) {
    this.configs = List.copyOf(configs);
    for (int i = 0; i < METRICS.size(); i++) {
      Map<String, Edit> e = new LinkedHashMap<>();
      for (HttpTelemetry.MetricConfig c : configs) {
        if (!c.name().isEmpty() && !c.name().equals(METRICS.get(i))) {
          continue;
        }
        drop[i] |= c.drop();
        for (String tag : c.tagsToRemove()) {
          e.remove(tag);
          e.put(tag, new Edit(null, -1));
        }
        for (Map.Entry<String, String> d : c.dimensions().entrySet()) {
          MetricExpression x = MetricExpression.compile(d.getValue());
          int index = -1;
          if (!x.constant()) {
            index = dynamic.indexOf(x);
            if (index < 0) {
              dynamic.add(x);
              index = dynamic.size() - 1;
            }
          }
          e.remove(d.getKey());
          e.put(d.getKey(), new Edit(x, index));
        }
      }
      edits.add(e);
    }
  }

  /** Whether metric {@code i} ({@link #METRICS}) is not recorded. */
  boolean dropped(int i) {
    return drop[i];
  }

  /** Whether a call's meters depend on the call beyond its status, gRPC status and flags. */
  boolean perCall() {
    return !dynamic.isEmpty();
  }

  /**
   * The values of the per-call expressions for one call, {@code unknown} each when there is no exchange (a request
   * a server of this workload answered).
   */
  List<String> evaluate(Exchange e) {
    String[] values = new String[dynamic.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = e == null ? MetricExpression.UNKNOWN : dynamic.get(i).evaluate(e);
    }
    return List.of(values);
  }

  /**
   * The labels of metric {@code i}: Istio's standard ones ({@code standard}) with this config's edits made.
   *
   * @param values the per-call values ({@link #evaluate})
   */
  Tags tags(int i, Tags standard, List<String> values) {
    Map<String, Edit> e = edits.get(i);
    if (e.isEmpty()) {
      return standard;
    }
    List<Tag> out = new ArrayList<>();
    for (Tag t : standard) {
      if (!e.containsKey(t.getKey())) {
        out.add(t);
      }
    }
    for (Map.Entry<String, Edit> edit : e.entrySet()) {
      Edit x = edit.getValue();
      if (x.expression() != null) {
        out.add(Tag.of(edit.getKey(), x.dynamicIndex() < 0 ? x.expression().evaluate(null) : values.get(
            x.dynamicIndex())));
      }
    }
    return Tags.of(out);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StatsOverrides s && s.configs.equals(configs);
  }

  @Override
  public int hashCode() {
    return configs.hashCode();
  }
}
