package io.bowline.runtime.telemetry;

import io.bowline.api.config.HttpTelemetry;
import io.bowline.runtime.pipeline.MeshExchange;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A listener's {@code tracing.custom_tags} (Envoy's {@code envoy.type.tracing.v3.CustomTag}, which Istio's
 * Telemetry {@code customTags} become) as span attributes: a literal, an environment variable read once when the
 * configuration is compiled, or a request header read per call. A header or variable that is absent takes its
 * {@code default_value}; an empty value sets no attribute, as Envoy sets no tag.
 */
final class SpanTags {
  /** No custom tags. */
  static final SpanTags NONE = new SpanTags(List.of(), List.of());

  /** A tag whose value is known when the configuration is compiled. */
  private record Fixed(AttributeKey<String> key, String value) {}

  /** A tag read from a request header. */
  private record Header(AttributeKey<String> key, String header, String defaultValue) {}

  private final List<Fixed> fixed;
  private final List<Header> headers;

  private SpanTags(List<Fixed> fixed, List<Header> headers) {
    this.fixed = fixed;
    this.headers = headers;
  }

  /**
   * @param tags the listener's custom tags
   * @param environment looks up an environment variable, {@code null} when unset
   */
  static SpanTags of(List<HttpTelemetry.CustomTag> tags, UnaryOperator<String> environment) {
    if (tags.isEmpty()) {
      return NONE;
    }
    List<Fixed> fixed = new ArrayList<>();
    List<Header> headers = new ArrayList<>();
    for (HttpTelemetry.CustomTag t : tags) {
      AttributeKey<String> key = AttributeKey.stringKey(t.tag());
      switch (t.kind()) {
        case LITERAL -> fixed.add(new Fixed(key, t.source()));
        case ENVIRONMENT -> {
          String v = environment.apply(t.source());
          fixed.add(new Fixed(key, v == null || v.isEmpty() ? t.defaultValue() : v));
        }
        case REQUEST_HEADER -> headers.add(new Header(key, t.source(), t.defaultValue()));
      }
    }
    fixed.removeIf(f -> f.value.isEmpty());
    return new SpanTags(List.copyOf(fixed), List.copyOf(headers));
  }

  /** Sets the tags on the call's span. */
  void apply(Span span, MeshExchange ex) {
    for (Fixed f : fixed) {
      span.setAttribute(f.key, f.value);
    }
    for (Header h : headers) {
      String v = ex.header(h.header);
      if (v == null || v.isEmpty()) {
        v = h.defaultValue;
      }
      if (!v.isEmpty()) {
        span.setAttribute(h.key, v);
      }
    }
  }
}
