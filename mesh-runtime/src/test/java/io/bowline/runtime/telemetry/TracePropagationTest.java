package io.bowline.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The headers the mesh writes itself for a call without an inbound context are exactly those OTel's propagators write
 * (names compared in lower case, as the exchange sends them); with a parent context the propagator writes them.
 */
class TracePropagationTest {
  private static final TextMapSetter<Map<String, String>> SETTER = (m, k, v) -> m.put(k.toLowerCase(Locale.ROOT), v);
  private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
  private static final String SPAN = "b7ad6b7169203331";

  @ParameterizedTest
  @EnumSource(TracePropagation.class)
  void withoutAParentTheHeadersAreThePropagatorsForSampledAndUnsampledSpans(TracePropagation format) {
    for (TraceFlags flags : new TraceFlags[] {TraceFlags.getSampled(), TraceFlags.getDefault()}) {
      Span span = Span.wrap(SpanContext.create(TRACE, SPAN, flags, TraceState.getDefault()));
      assertThat(written(format, Context.root(), span)).isEqualTo(byPropagator(format, Context.root(), span))
          .isNotEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(TracePropagation.class)
  void aTraceStateOrAParentContextGoesThroughThePropagator(TracePropagation format) {
    Span withState = Span.wrap(SpanContext.create(TRACE, SPAN, TraceFlags.getSampled(),
        TraceState.builder().put("vendor", "v1").build()));
    assertThat(written(format, Context.root(), withState)).isEqualTo(byPropagator(format, Context.root(), withState));
    Span span = Span.wrap(SpanContext.create(TRACE, SPAN, TraceFlags.getSampled(), TraceState.getDefault()));
    Context parent = Context.root().with(Span.wrap(SpanContext.create("463ac35c9f6413ad48485a3953bb6124",
        "a2fb4a1d1a96d312", TraceFlags.getSampled(), TraceState.getDefault())));
    assertThat(written(format, parent, span)).isEqualTo(byPropagator(format, parent, span));
  }

  @ParameterizedTest
  @EnumSource(TracePropagation.class)
  void anInvalidSpanSendsNothing(TracePropagation format) {
    assertThat(written(format, Context.root(), Span.getInvalid())).isEmpty();
  }

  private static Map<String, String> written(TracePropagation format, Context parent, Span span) {
    Map<String, String> headers = new TreeMap<>();
    format.inject(parent, span, headers, SETTER);
    return headers;
  }

  private static Map<String, String> byPropagator(TracePropagation format, Context parent, Span span) {
    Map<String, String> headers = new TreeMap<>();
    format.propagator().inject(parent.with(span), headers, SETTER);
    return headers;
  }
}
