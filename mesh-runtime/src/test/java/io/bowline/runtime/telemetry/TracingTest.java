package io.bowline.runtime.telemetry;

import static io.bowline.runtime.telemetry.TelemetryMesh.FQDN;
import static io.bowline.runtime.telemetry.TelemetryMesh.SHADOW;
import static io.bowline.runtime.telemetry.TelemetryMesh.V1;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.UInt32Value;
import com.google.protobuf.Any;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.v3.Percent;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Envoy's tracing and {@code x-request-id} through the OpenTelemetry API, against real loopback
 * backends that record the headers they receive: B3 exact in format, one trace across a retry and
 * a shadow, the spans' Envoy and Istio tags, and calls that still route without an SDK.
 */
class TracingTest {
  static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");
  static final Pattern SPAN_ID = Pattern.compile("[0-9a-f]{16}");
  static final Pattern UUID4 = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
      .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
      .build();
  private TelemetryMesh mesh;
  private ScriptedHttpServer primary;
  private ScriptedHttpServer shadow;

  @BeforeEach
  void setUp() throws Exception {
    mesh = new TelemetryMesh();
    primary = new ScriptedHttpServer("a");
    shadow = new ScriptedHttpServer("m");
  }

  @AfterEach
  void tearDown() throws Exception {
    primary.close();
    shadow.close();
    mesh.close();
    otel.close();
  }

  static Route retryAndMirror() {
    return Route.newBuilder().setMatch(prefix("")).setRoute(RouteAction.newBuilder().setCluster(V1)
        .setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("5xx").setNumRetries(UInt32Value.of(1)))
        .addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder().setCluster(SHADOW))).build();
  }

  private String get(Map<String, String> headers) throws Exception {
    Request.Builder r = new Request.Builder().url("http://reviews:9080/reviews/1?x=1");
    headers.forEach(r::header);
    try (Response response = mesh.http.newCall(r.build()).execute()) {
      return response.code() + " " + response.body().string();
    }
  }

  @Test
  void b3HeadersCarryOneTraceAcrossARetryAndAShadow() throws Exception {
    primary.then(ScriptedHttpServer.status(503));
    mesh.publish(l -> l, retryAndMirror(), V1, new int[] {primary.port()}, SHADOW, new int[] {shadow.port()});
    mesh.connect(b -> b.openTelemetry(otel));
    Span app = otel.getTracer("app").spanBuilder("app").startSpan();
    try (Scope ignored = app.makeCurrent()) {
      assertThat(get(Map.of())).isEqualTo("200 a");
    } finally {
      app.end();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> shadow.requestCount() == 1);
    List<Map<String, String>> seen = new java.util.ArrayList<>(primary.requests());
    seen.addAll(shadow.requests());
    assertThat(seen).hasSize(3);
    String traceId = app.getSpanContext().getTraceId();
    String requestId = seen.get(0).get("x-request-id");
    assertThat(requestId).matches(UUID4);
    for (Map<String, String> h : seen) {
      assertThat(h.get("x-b3-traceid")).matches(TRACE_ID).isEqualTo(traceId);
      assertThat(h.get("x-b3-spanid")).matches(SPAN_ID);
      assertThat(h.get("x-b3-sampled")).isEqualTo("1");
      assertThat(h.get("x-request-id")).isEqualTo(requestId);
      assertThat(h).doesNotContainKey("traceparent");
    }

    await().atMost(Duration.ofSeconds(5)).until(() -> spans.getFinishedSpanItems().size() == 4);
    SpanData call = only("reviews.default.svc.cluster.local:9080/*");
    assertThat(call.getKind()).isEqualTo(SpanKind.CLIENT);
    assertThat(call.getParentSpanId()).isEqualTo(app.getSpanContext().getSpanId());
    assertThat(call.getSpanId()).isEqualTo(seen.get(0).get("x-b3-spanid"));
    assertThat(tag(call, "upstream_cluster")).isEqualTo(V1);
    assertThat(tag(call, "http.status_code")).isEqualTo("200");
    assertThat(tag(call, "response_flags")).isEqualTo("-");
    assertThat(tag(call, "guid:x-request-id")).isEqualTo(requestId);
    assertThat(tag(call, "http.url")).isEqualTo("http://reviews:9080/reviews/1?x=1");
    assertThat(tag(call, "http.method")).isEqualTo("GET");
    assertThat(tag(call, "node_id")).contains("productpage-v1");
    assertThat(tag(call, "istio.canonical_service")).isEqualTo("productpage");
    assertThat(tag(call, "istio.canonical_revision")).isEqualTo("v1");
    assertThat(tag(call, "istio.namespace")).isEqualTo("default");
    assertThat(tag(call, "peer.address")).isEqualTo("127.0.0.1:" + primary.port());
    assertThat(tag(call, "error")).isNull();

    List<SpanData> attempts = spans.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals("router " + V1 + " egress")).toList();
    assertThat(attempts).hasSize(2).allSatisfy(a -> {
      assertThat(a.getParentSpanId()).isEqualTo(call.getSpanId());
      assertThat(a.getTraceId()).isEqualTo(traceId);
      assertThat(tag(a, "upstream_address")).isEqualTo("127.0.0.1:" + primary.port());
    });
    assertThat(attempts).extracting(a -> tag(a, "http.status_code")).containsExactlyInAnyOrder("503", "200");
    assertThat(attempts).filteredOn(a -> "503".equals(tag(a, "http.status_code")))
        .allSatisfy(a -> assertThat(tag(a, "error")).isEqualTo("true"));
  }

  @Test
  void theOpenTelemetryProviderSendsW3cTraceparentWithTheCallSpan() throws Exception {
    primary.then(ScriptedHttpServer.status(503));
    mesh.publish(TelemetryMesh.hcm(h -> h.setTracing(HttpConnectionManager.Tracing.newBuilder()
            .setRandomSampling(Percent.newBuilder().setValue(100))
            .setProvider(io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder()
                .setName("envoy.tracers.opentelemetry")
                .setTypedConfig(Any.pack(OpenTelemetryConfig.getDefaultInstance()))))),
        retryAndMirror(), V1, new int[] {primary.port()}, SHADOW, new int[] {shadow.port()});
    mesh.connect(b -> b.openTelemetry(otel));
    assertThat(get(Map.of())).isEqualTo("200 a");
    await().atMost(Duration.ofSeconds(10)).until(() -> shadow.requestCount() == 1);
    List<Map<String, String>> seen = new java.util.ArrayList<>(primary.requests());
    seen.addAll(shadow.requests());
    assertThat(seen).hasSize(3);
    await().atMost(Duration.ofSeconds(5)).until(() -> spans.getFinishedSpanItems().size() == 3);
    SpanData call = only("reviews.default.svc.cluster.local:9080/*");
    assertThat(call.getParentSpanContext().isValid()).isFalse();
    for (Map<String, String> h : seen) {
      // version 00, trace id, parent id, flags: sampled (01), and the SDK's random-trace-id flag (02)
      String traceparent = h.get("traceparent");
      assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
          .isEqualTo("00-" + call.getTraceId() + "-" + call.getSpanId() + "-" + call.getSpanContext().getTraceFlags().asHex());
      assertThat(Integer.parseInt(traceparent.substring(53), 16) & 1).as("sampled flag").isEqualTo(1);
      assertThat(h).doesNotContainKeys("x-b3-traceid", "b3");
    }
  }

  @Test
  void zeroRandomSamplingSendsUnsampledIdsAndRecordsNoSpan() throws Exception {
    mesh.publish(TelemetryMesh.hcm(h -> h.setTracing(HttpConnectionManager.Tracing.newBuilder()
            .setRandomSampling(Percent.newBuilder().setValue(0)))),
        retryAndMirror(), V1, new int[] {primary.port()}, SHADOW, new int[] {shadow.port()});
    mesh.connect(b -> b.openTelemetry(otel));
    assertThat(get(Map.of())).isEqualTo("200 a");
    Map<String, String> h = primary.requests().get(0);
    assertThat(h.get("x-b3-traceid")).matches(TRACE_ID);
    assertThat(h.get("x-b3-spanid")).matches(SPAN_ID);
    assertThat(h.get("x-b3-sampled")).isEqualTo("0");
    assertThat(spans.getFinishedSpanItems()).isEmpty();
  }

  @Test
  void aRequestIdTheCallerSetIsKept() throws Exception {
    mesh.publish(l -> l, retryAndMirror(), V1, new int[] {primary.port()}, SHADOW, new int[] {shadow.port()});
    mesh.connect(b -> b.openTelemetry(otel));
    assertThat(get(Map.of("x-request-id", "caller-chosen-id"))).isEqualTo("200 a");
    await().atMost(Duration.ofSeconds(10)).until(() -> shadow.requestCount() == 1);
    assertThat(primary.requests().get(0).get("x-request-id")).isEqualTo("caller-chosen-id");
    assertThat(shadow.requests().get(0).get("x-request-id")).isEqualTo("caller-chosen-id");
  }

  @Test
  void withoutAnSdkCallsStillRouteWithARequestIdAndNoTraceHeaders() throws Exception {
    mesh.publish(l -> l, retryAndMirror(), V1, new int[] {primary.port()}, SHADOW, new int[] {shadow.port()});
    mesh.connect(b -> b.openTelemetry(io.opentelemetry.api.OpenTelemetry.noop()));
    assertThat(get(Map.of())).isEqualTo("200 a");
    Map<String, String> h = primary.requests().get(0);
    assertThat(h.get("x-request-id")).matches(UUID4);
    assertThat(h).doesNotContainKeys("x-b3-traceid", "traceparent", "b3");
  }

  @Test
  void withoutAnSdkAnInboundTraceIsPassedOnUnchanged() throws Exception {
    mesh.publish(l -> l, retryAndMirror(), V1, new int[] {primary.port()}, SHADOW, new int[] {shadow.port()});
    mesh.connect(b -> b.openTelemetry(io.opentelemetry.api.OpenTelemetry.noop()));
    String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    Context inbound = InboundTraceContext.extract(Context.root(), Map.of("Traceparent", List.of(traceparent)));
    try (Scope ignored = inbound.makeCurrent()) {
      assertThat(get(Map.of())).isEqualTo("200 a");
    }
    Map<String, String> h = primary.requests().get(0);
    assertThat(h.get("x-b3-traceid")).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(h.get("x-b3-spanid")).isEqualTo("b7ad6b7169203331");
    assertThat(h.get("x-b3-sampled")).isEqualTo("1");
  }

  @Test
  void inboundExtractionReadsB3SingleMultiAndW3c() {
    assertThat(Span.fromContext(InboundTraceContext.extract(Context.root(), n -> n.equals("b3")
        ? "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1" : null)).getSpanContext().getTraceId())
        .isEqualTo("80f198ee56343ba864fe8b2a57d3eff7");
    Map<String, String> multi = Map.of("x-b3-traceid", "463ac35c9f6413ad48485a3953bb6124",
        "x-b3-spanid", "a2fb4a1d1a96d312", "x-b3-sampled", "1");
    var ctx = Span.fromContext(InboundTraceContext.extract(Context.root(), multi::get)).getSpanContext();
    assertThat(ctx.getTraceId()).isEqualTo("463ac35c9f6413ad48485a3953bb6124");
    assertThat(ctx.isSampled()).isTrue();
    assertThat(ctx.isRemote()).isTrue();
    assertThat(Span.fromContext(InboundTraceContext.extract(Context.root(), n -> null)).getSpanContext().isValid())
        .isFalse();
  }

  private SpanData only(String name) {
    List<SpanData> found = spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
    assertThat(found).as("spans named " + name + " in " + spans.getFinishedSpanItems()).hasSize(1);
    return found.get(0);
  }

  static String tag(SpanData s, String key) {
    return s.getAttributes().get(AttributeKey.stringKey(key));
  }
}
