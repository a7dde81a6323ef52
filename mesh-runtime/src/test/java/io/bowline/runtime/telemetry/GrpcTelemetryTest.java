package io.bowline.runtime.telemetry;

import static io.bowline.runtime.telemetry.TelemetryMesh.V1;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.UInt32Value;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.bowline.runtime.testing.NamedGrpcServer;
import io.bowline.runtime.testing.ScriptedGrpcServer;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.micrometer.core.instrument.Counter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The same telemetry on gRPC calls: one trace and one request id across a retry, spans and metrics. */
class GrpcTelemetryTest {
  private static final MethodDescriptor<byte[], byte[]> UNARY = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("test.Echo/Unary")
      .setRequestMarshaller(NamedGrpcServer.BYTES).setResponseMarshaller(NamedGrpcServer.BYTES).build();

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
      .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
      .build();
  private TelemetryMesh mesh;
  private ScriptedGrpcServer backend;

  @BeforeEach
  void setUp() throws Exception {
    mesh = new TelemetryMesh();
    backend = new ScriptedGrpcServer("a");
  }

  @AfterEach
  void tearDown() throws Exception {
    backend.close();
    mesh.close();
    otel.close();
  }

  @Test
  void aRetriedGrpcCallCarriesOneTraceAndOneRequestIdAndIsCountedAsGrpc() throws Exception {
    backend.then(ScriptedGrpcServer.Action.fail(Status.Code.UNAVAILABLE)).otherwise(ScriptedGrpcServer.Action.ok(1));
    mesh.publish(l -> l, Route.newBuilder().setMatch(prefix("")).setRoute(RouteAction.newBuilder().setCluster(V1)
        .setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("unavailable").setNumRetries(UInt32Value.of(1)))).build(),
        V1, new int[] {backend.port()});
    mesh.connect(b -> b.openTelemetry(otel));
    Channel channel = BowlineGrpc.channel(mesh.mesh, "reviews:9080");
    Span app = otel.getTracer("app").spanBuilder("app").startSpan();
    try (Scope ignored = app.makeCurrent()) {
      ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, new byte[] {1});
    } finally {
      app.end();
    }
    List<String> ids = backend.header("x-request-id");
    assertThat(ids).hasSize(2).allMatch(id -> id.matches(TracingTest.UUID4.pattern()));
    assertThat(ids.get(1)).isEqualTo(ids.get(0));
    assertThat(backend.header("x-b3-traceid")).containsExactly(app.getSpanContext().getTraceId(),
        app.getSpanContext().getTraceId());

    await().atMost(Duration.ofSeconds(5)).until(() -> spans.getFinishedSpanItems().size() == 4);
    SpanData call = spans.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals("reviews.default.svc.cluster.local:9080/*")).findFirst().orElseThrow();
    assertThat(TracingTest.tag(call, "grpc.status_code")).isEqualTo("0");
    assertThat(TracingTest.tag(call, "http.status_code")).isEqualTo("200");
    assertThat(TracingTest.tag(call, "upstream_cluster")).isEqualTo(V1);

    await().atMost(Duration.ofSeconds(5)).until(() -> mesh.meters.find("istio.requests").counters().size() == 1);
    Counter requests = mesh.meters.find("istio.requests").tag("request_protocol", "grpc")
        .tag("grpc_response_status", "0").tag("response_code", "200").counter();
    assertThat(requests).isNotNull();
    assertThat(requests.count()).isEqualTo(1);
    assertThat(mesh.meters.find("envoy.cluster.upstream_rq_retry").tag("cluster_name", V1).counter().count())
        .isEqualTo(1);
  }
}
