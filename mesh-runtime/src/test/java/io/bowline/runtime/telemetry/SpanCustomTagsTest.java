package io.bowline.runtime.telemetry;

import static io.bowline.runtime.telemetry.TelemetryMesh.V1;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HCM's {@code tracing.custom_tags} (what Istio's Telemetry {@code customTags} become) on the call's span,
 * exported through OTel's in-memory exporter: a literal, a request header (present, absent with a default, absent
 * without one) and an environment variable (set, unset with a default).
 */
class SpanCustomTagsTest {
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
      .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
      .build();
  private TelemetryMesh mesh;
  private ScriptedHttpServer backend;

  @BeforeEach
  void setUp() throws Exception {
    mesh = new TelemetryMesh();
    backend = new ScriptedHttpServer("a");
  }

  @AfterEach
  void tearDown() throws Exception {
    backend.close();
    mesh.close();
    otel.close();
  }

  private static CustomTag header(String tag, String header, String defaultValue) {
    return CustomTag.newBuilder().setTag(tag).setRequestHeader(CustomTag.Header.newBuilder().setName(header)
        .setDefaultValue(defaultValue)).build();
  }

  private static CustomTag environment(String tag, String name, String defaultValue) {
    return CustomTag.newBuilder().setTag(tag).setEnvironment(CustomTag.Environment.newBuilder().setName(name)
        .setDefaultValue(defaultValue)).build();
  }

  @Test
  void literalHeaderAndEnvironmentTagsAreSetOnTheCallSpan() throws Exception {
    List<CustomTag> tags = List.of(
        CustomTag.newBuilder().setTag("team").setLiteral(CustomTag.Literal.newBuilder().setValue("reviews-owners"))
            .build(),
        header("user.tier", "X-User-Tier", ""),
        header("user.region", "x-user-region", "unknown-region"),
        header("user.absent", "x-not-sent", ""),
        environment("env.path", "PATH", ""),
        environment("env.unset", "BOWLINE_SURELY_UNSET_VARIABLE", "fallback"));
    mesh.publish(TelemetryMesh.hcm(h -> h.setTracing(HttpConnectionManager.Tracing.newBuilder().addAllCustomTags(tags))),
        Route.newBuilder().setMatch(prefix("")).setRoute(RouteAction.newBuilder().setCluster(V1)).build(),
        V1, new int[] {backend.port()});
    mesh.connect(b -> b.openTelemetry(otel));

    try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/reviews/1")
        .header("x-user-tier", "gold").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }

    // a sampled OkHttp call's span is tagged and ended after the call, off its thread (SpanFinisher)
    SpanData call = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .until(() -> spans.getFinishedSpanItems().stream()
            .filter(s -> s.getKind() == SpanKind.CLIENT && !s.getName().startsWith("router ")).findFirst(),
            java.util.Optional::isPresent).orElseThrow();
    Attributes a = call.getAttributes();
    assertThat(a.get(AttributeKey.stringKey("team"))).isEqualTo("reviews-owners");
    assertThat(a.get(AttributeKey.stringKey("user.tier"))).isEqualTo("gold");
    assertThat(a.get(AttributeKey.stringKey("user.region"))).isEqualTo("unknown-region");
    assertThat(a.get(AttributeKey.stringKey("user.absent"))).as("no value, no tag").isNull();
    assertThat(a.get(AttributeKey.stringKey("env.path"))).isEqualTo(System.getenv("PATH"));
    assertThat(a.get(AttributeKey.stringKey("env.unset"))).isEqualTo("fallback");
    assertThat(a.get(AttributeKey.stringKey("istio.canonical_service"))).isEqualTo("productpage");
  }

  @Test
  void aMetadataTagNacksTheListenerNamingTheField() throws Exception {
    CustomTag metadata = CustomTag.newBuilder().setTag("md").setMetadata(CustomTag.Metadata.getDefaultInstance())
        .build();
    mesh.publish(TelemetryMesh.hcm(h -> h.setTracing(HttpConnectionManager.Tracing.newBuilder()
            .addCustomTags(metadata))),
        Route.newBuilder().setMatch(prefix("")).setRoute(RouteAction.newBuilder().setCluster(V1)).build(),
        V1, new int[] {backend.port()});
    mesh.connect(b -> b.openTelemetry(otel));
    assertThat(mesh.mesh.status().toString()).contains("api_listener.tracing.custom_tags[0]", "METADATA",
        "is not supported");
  }
}
