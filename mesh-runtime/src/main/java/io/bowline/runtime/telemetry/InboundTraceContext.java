package io.bowline.runtime.telemetry;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads the trace context of an inbound request, whichever format its caller sent: W3C
 * {@code traceparent}/{@code tracestate}, B3 single ({@code b3}) or B3 multi-header
 * ({@code x-b3-*}); W3C wins when both are present. For servers of a mesh workload (a gRPC
 * {@code ServerInterceptor}, the proxy, Spring): make the returned context current while handling
 * the request, so the mesh's outbound spans are its children.
 */
public final class InboundTraceContext {
  private static final TextMapPropagator ANY = TextMapPropagator.composite(
      B3Propagator.injectingMultiHeaders(), W3CTraceContextPropagator.getInstance());
  private static final TextMapGetter<Function<String, String>> GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Function<String, String> carrier) {
      return List.of();
    }

    @Override
    public String get(Function<String, String> carrier, String key) {
      return carrier == null ? null : carrier.apply(key.toLowerCase(Locale.ROOT));
    }
  };

  private InboundTraceContext() {}

  /**
   * The context of {@code parent} with the caller's span as the remote parent.
   *
   * @param parent the context to extend, usually {@code Context.current()}
   * @param header a request header's first value by lower-case name, {@code null} when absent
   *     (gRPC: {@code n -> metadata.get(Metadata.Key.of(n, Metadata.ASCII_STRING_MARSHALLER))})
   * @return {@code parent}, with the remote span when the request carries a valid trace context
   */
  public static Context extract(Context parent, Function<String, String> header) {
    return ANY.extract(parent, header, GETTER);
  }

  /**
   * The context of {@code parent} with the caller's span from a header map.
   *
   * @param parent the context to extend
   * @param headers the request headers, names in any case
   * @return {@code parent}, with the remote span when the request carries a valid trace context
   */
  public static Context extract(Context parent, Map<String, List<String>> headers) {
    Map<String, List<String>> lower = new java.util.HashMap<>();
    headers.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
    return extract(parent, n -> {
      List<String> v = lower.get(n);
      return v == null || v.isEmpty() ? null : v.get(0);
    });
  }
}
