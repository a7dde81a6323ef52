package io.bowline.runtime.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import java.util.Locale;

/**
 * The trace-context headers the mesh sends upstream, as Istio's tracing providers send them: the
 * {@code zipkin} provider (Envoy's {@code envoy.tracers.zipkin}, Istio's default) sends B3 as
 * separate headers ({@code x-b3-traceid}, {@code x-b3-spanid}, {@code x-b3-sampled}); the
 * {@code opentelemetry} provider ({@code envoy.tracers.opentelemetry}) sends W3C
 * {@code traceparent}/{@code tracestate}. The single {@code b3} header is offered for peers that
 * read only it. Inbound, every format is accepted ({@link InboundTraceContext}).
 */
public enum TracePropagation {
  /** B3, one header per field (Envoy's Zipkin tracer). */
  B3_MULTI(B3Propagator.injectingMultiHeaders()),
  /** B3, the single {@code b3} header. */
  B3_SINGLE(B3Propagator.injectingSingleHeader()),
  /** W3C Trace Context: {@code traceparent} and {@code tracestate}. */
  W3C(W3CTraceContextPropagator.getInstance());

  private final TextMapPropagator propagator;

  TracePropagation(TextMapPropagator propagator) {
    this.propagator = propagator;
  }

  /** The OpenTelemetry propagator that injects this format. */
  public TextMapPropagator propagator() {
    return propagator;
  }

  /**
   * Sends {@code span}'s context in this format, as {@link #propagator()} does for {@code parent.with(span)}. Without
   * an inbound context ({@code parent} is the root: no B3 debug flag, no trace state) the headers are written straight
   * from the span's ids, in lower case: B3 {@code x-b3-traceid}, {@code x-b3-spanid}, {@code x-b3-sampled}
   * ({@code 1}/{@code 0}); {@code b3: <trace>-<span>-<1|0>}; W3C {@code traceparent: 00-<trace>-<span>-<flags>}. That
   * spares a call the context holding the span and the propagator's work; otherwise the propagator writes them.
   *
   * @param parent the call's parent context
   * @param span the call's span; nothing is sent when its context is invalid
   * @param carrier the request the headers go to
   * @param setter sets one header on {@code carrier}
   */
  public <C> void inject(Context parent, Span span, C carrier, TextMapSetter<C> setter) {
    SpanContext sc = span.getSpanContext();
    if (parent != Context.root() || !sc.isValid() || !sc.getTraceState().isEmpty()) {
      propagator.inject(parent.with(span), carrier, setter);
      return;
    }
    switch (this) {
      case B3_MULTI -> {
        setter.set(carrier, "x-b3-traceid", sc.getTraceId());
        setter.set(carrier, "x-b3-spanid", sc.getSpanId());
        setter.set(carrier, "x-b3-sampled", sc.isSampled() ? "1" : "0");
      }
      case B3_SINGLE -> setter.set(carrier, "b3", sc.getTraceId() + '-' + sc.getSpanId() + (sc.isSampled() ? "-1" : "-0"));
      case W3C -> setter.set(carrier, "traceparent",
          "00-" + sc.getTraceId() + '-' + sc.getSpanId() + '-' + sc.getTraceFlags().asHex());
    }
  }

  /**
   * The format an Envoy tracer sends.
   *
   * @param tracerName the HCM's {@code tracing.provider.name}: {@code envoy.tracers.zipkin},
   *     {@code envoy.tracers.opentelemetry}, or Istio's provider names {@code zipkin}, {@code opentelemetry}
   * @return the format
   * @throws IllegalArgumentException for a tracer the mesh does not speak
   */
  public static TracePropagation ofTracer(String tracerName) {
    String n = tracerName.toLowerCase(Locale.ROOT);
    return switch (n) {
      case "envoy.tracers.zipkin", "zipkin", "envoy.zipkin" -> B3_MULTI;
      case "envoy.tracers.opentelemetry", "opentelemetry", "otel" -> W3C;
      default -> throw new IllegalArgumentException("tracing provider '" + tracerName
          + "' is not supported; expected envoy.tracers.zipkin (B3) or envoy.tracers.opentelemetry (W3C)");
    };
  }
}
