package io.bowline.runtime.telemetry;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
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
