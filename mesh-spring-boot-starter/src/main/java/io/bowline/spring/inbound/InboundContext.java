package io.bowline.spring.inbound;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What an inbound request carried that outbound calls made while serving it pass on, as a sidecar
 * does: {@code x-request-id} (made when the request had none, as Envoy's connection manager does)
 * and the trace context headers (W3C {@code traceparent}/{@code tracestate}, B3).
 *
 * @param requestId the request's {@code x-request-id}
 * @param traceHeaders the trace context headers present, lower-case name to value
 */
public record InboundContext(String requestId, Map<String, String> traceHeaders) {
  /** The request attribute holding the inbound request's context. */
  public static final String ATTRIBUTE = InboundContext.class.getName();
  /** Envoy's request id header. */
  public static final String REQUEST_ID = "x-request-id";
  /** The trace context headers passed on. */
  public static final String[] TRACE_HEADERS = {"traceparent", "tracestate", "b3", "x-b3-traceid", "x-b3-spanid",
      "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags"};

  private static final ThreadLocal<InboundContext> CURRENT = new ThreadLocal<>();

  /**
   * The context of a request whose headers {@code header} gives (name to first value, or
   * {@code null}): its {@code x-request-id}, or a new random one when it has none, and its trace
   * context headers.
   */
  public static InboundContext of(Function<String, String> header) {
    String id = header.apply(REQUEST_ID);
    Map<String, String> trace = new LinkedHashMap<>();
    for (String name : TRACE_HEADERS) {
      String value = header.apply(name);
      if (value != null) {
        trace.put(name, value);
      }
    }
    return new InboundContext(id == null || id.isBlank() ? UUID.randomUUID().toString() : id, Map.copyOf(trace));
  }

  /**
   * Runs {@code work} with {@code context} as this thread's {@link #current()} (none for
   * {@code null}), for code that serves a request off the thread that received it (WebFlux).
   */
  public static <T> T with(InboundContext context, Supplier<T> work) {
    InboundContext previous = current();
    set(context);
    try {
      return work.get();
    } finally {
      set(previous);
    }
  }

  /** The context of the inbound request this thread is serving, or {@code null}. */
  public static InboundContext current() {
    return CURRENT.get();
  }

  static void set(InboundContext context) {
    if (context == null) {
      CURRENT.remove();
    } else {
      CURRENT.set(context);
    }
  }
}
