package io.bowline.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import io.bowline.api.MeshClient;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.PrometheusText;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime honours what the local control plane translates from Istio's Telemetry API and meshConfig, over a
 * real ADS stream: a root-namespace Telemetry choosing the {@code opentelemetry} provider sends W3C
 * {@code traceparent} with the sampled flag its {@code randomSamplingPercentage} decides, and an
 * {@code envoyFileAccessLog} provider writes the call's line, in its format, to its file. A workload-level
 * Telemetry that samples nothing and disables access logging overrides both for that workload alone.
 */
class TelemetryOverAdsTest {
  private static final String URL = "http://reviews.default.svc.cluster.local:9080/reviews/1";

  /** An SDK that samples whatever the mesh's decision (a sampled parent or not) asks for. */
  private static final OpenTelemetrySdk OTEL = OpenTelemetrySdk.builder()
      .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(
          InMemorySpanExporter.create())).build())
      .build();

  /** W3C trace flags with the sampled bit set (the SDK may add the random-trace-id bit, 0x02). */
  private static final String SAMPLED = "00-[0-9a-f]{32}-[0-9a-f]{16}-0[13]";
  private static final String NOT_SAMPLED = "00-[0-9a-f]{32}-[0-9a-f]{16}-0[02]";

  private HttpServer backend;
  private final List<String> traceparents = new CopyOnWriteArrayList<>();
  private final List<String> b3 = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startBackend() throws IOException {
    backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    backend.createContext("/", exchange -> {
      traceparents.add(String.valueOf(exchange.getRequestHeaders().getFirst("traceparent")));
      b3.add(String.valueOf(exchange.getRequestHeaders().getFirst("x-b3-traceid")));
      byte[] body = "reviews".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    backend.start();
  }

  @AfterEach
  void stopBackend() {
    backend.stop(0);
  }

  private void write(Path dir, Path accessLog) {
    TestConfigs.write(dir, "00-reviews.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: reviews}
        spec:
          hosts: [reviews.default.svc.cluster.local]
          ports: [{number: 9080, name: http, protocol: HTTP}]
          resolution: STATIC
          workloadSelector: {labels: {app: reviews}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: reviews-v1}
        spec: {address: 127.0.0.1, ports: {http: %d}, labels: {app: reviews, version: v1},
          serviceAccount: bookinfo-reviews}
        """.formatted(backend.getAddress().getPort()));
    TestConfigs.write(dir, "01-mesh.yaml", """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: istio, namespace: istio-system}
        data:
          mesh: |-
            extensionProviders:
            - name: otel
              opentelemetry: {service: otel-collector.observability.svc.cluster.local, port: 4317}
            - name: file
              envoyFileAccessLog:
                path: %s
                logFormat: {text: "%%RESPONSE_CODE%% %%UPSTREAM_CLUSTER%% %%REQ(:PATH)%%"}
        ---
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata: {name: mesh-default, namespace: istio-system}
        spec:
          tracing: [{providers: [{name: otel}], randomSamplingPercentage: 100}]
          accessLogging: [{providers: [{name: file}]}]
        ---
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata: {name: quiet-ratings}
        spec:
          selector: {matchLabels: {app: ratings}}
          tracing: [{randomSamplingPercentage: 0}]
          accessLogging: [{disabled: true}]
        """.formatted(accessLog));
  }

  /** Writes the configuration with the file provider's log at {@code logs/access.log}, and returns that path. */
  private Path writeWithAccessLog(Path dir) throws IOException {
    Path accessLog = dir.resolve("logs").resolve("access.log");
    Files.createDirectories(accessLog.getParent());
    write(dir, accessLog);
    return accessLog;
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.exists(file) ? Files.readAllLines(file) : List.of();
  }

  private static MeshClient client(LocalControlPlane controlPlane, String app) throws Exception {
    return client(controlPlane, app, Metrics.globalRegistry);
  }

  private static MeshClient client(LocalControlPlane controlPlane, String app, MeterRegistry registry)
      throws Exception {
    MeshClient mesh = MeshClient.builder()
        .workload(app + "-v1", "default")
        .meterRegistry(registry)
        .label("app", app)
        .xdsServer("127.0.0.1:" + controlPlane.port())
        .openTelemetry(OTEL)
        .build();
    mesh.awaitReady(Duration.ofSeconds(30));
    return mesh;
  }

  private static int call(MeshClient mesh) throws IOException {
    OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
    try (Response r = http.newCall(new Request.Builder().url(URL).build()).execute()) {
      r.body().string();
      return r.code();
    }
  }

  @Test
  void meshWideTelemetrySendsSampledW3cAndWritesTheAccessLogFile(@TempDir Path dir) throws Exception {
    Path accessLog = writeWithAccessLog(dir);
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0).start();
        MeshClient productpage = client(controlPlane, "productpage")) {
      assertThat(controlPlane.diagnostics()).noneMatch(d -> d.isError());
      assertThat(call(productpage)).isEqualTo(200);
      assertThat(traceparents).hasSize(1);
      assertThat(traceparents.get(0)).matches(SAMPLED);
      assertThat(b3).containsExactly("null");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(lines(accessLog))
          .containsExactly("200 outbound|9080||reviews.default.svc.cluster.local /reviews/1"));
    }
  }

  @Test
  void aWorkloadTelemetryOverridesSamplingAndDisablesItsAccessLog(@TempDir Path dir) throws Exception {
    Path accessLog = writeWithAccessLog(dir);
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0).start();
        MeshClient ratings = client(controlPlane, "ratings");
        MeshClient productpage = client(controlPlane, "productpage")) {
      assertThat(call(ratings)).isEqualTo(200);
      assertThat(call(productpage)).isEqualTo(200);
      assertThat(traceparents).hasSize(2);
      assertThat(traceparents.get(0)).as("ratings: sampled at 0 %").matches(NOT_SAMPLED);
      assertThat(traceparents.get(1)).as("productpage: sampled at 100 %").matches(SAMPLED);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(lines(accessLog)).as("only productpage logs").hasSize(1));
    }
  }

  @Test
  void aScrapeHoldsTheDestinationLabelsOfTheEndpointMetadata(@TempDir Path dir) throws Exception {
    assumeTrue(PrometheusText.available(), PrometheusText.MISSING);
    write(dir, dir.resolve("access.log"));
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0).start();
        MeshClient productpage = client(controlPlane, "productpage", prometheus)) {
      assertThat(call(productpage)).isEqualTo(200);
      assertThat(call(productpage)).isEqualTo(200);
    }
    List<PrometheusText.Sample> requests = PrometheusText.parse(prometheus.scrape()).stream()
        .filter(s -> s.name().equals("istio_requests_total")).toList();
    assertThat(requests).hasSize(1);
    assertThat(requests.get(0).value()).isEqualTo(2);
    assertThat(requests.get(0).labels()).containsAllEntriesOf(Map.ofEntries(
        Map.entry("reporter", "source"),
        Map.entry("source_workload", "productpage-v1"),
        Map.entry("source_app", "productpage"),
        Map.entry("destination_workload", "reviews-v1"),
        Map.entry("destination_workload_namespace", "default"),
        Map.entry("destination_app", "reviews"),
        Map.entry("destination_version", "v1"),
        Map.entry("destination_canonical_service", "reviews"),
        Map.entry("destination_canonical_revision", "v1"),
        Map.entry("destination_principal", "spiffe://cluster.local/ns/default/sa/bookinfo-reviews"),
        Map.entry("destination_cluster", "Kubernetes"),
        Map.entry("destination_service", "reviews.default.svc.cluster.local"),
        Map.entry("destination_service_name", "reviews"),
        Map.entry("destination_service_namespace", "default"),
        Map.entry("response_code", "200")));
  }

  private static int call(MeshClient mesh, String user) throws IOException {
    OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
    try (Response r = http.newCall(new Request.Builder().url(URL).header("x-user", user).build()).execute()) {
      r.body().string();
      return r.code();
    }
  }

  private static List<PrometheusText.Sample> samples(PrometheusMeterRegistry registry, String name) throws Exception {
    return PrometheusText.parse(registry.scrape()).stream().filter(s -> s.name().equals(name)).toList();
  }

  /**
   * Istio's "Customizing Istio Metrics" task: a namespace Telemetry adds {@code request_host} and a header's value
   * to {@code REQUEST_COUNT} and removes {@code request_protocol}; a workload Telemetry disables
   * {@code REQUEST_COUNT} for its clients only ({@code mode: CLIENT}) and {@code REQUEST_DURATION} for its servers
   * only, so that workload's calls still report their duration.
   */
  @Test
  void telemetryMetricsOverridesReachTheScrapeOverAds(@TempDir Path dir) throws Exception {
    assumeTrue(PrometheusText.available(), PrometheusText.MISSING);
    write(dir, dir.resolve("access.log"));
    TestConfigs.write(dir, "02-metrics.yaml", """
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata: {name: namespace-metrics, namespace: default}
        spec:
          metrics:
          - providers: [{name: prometheus}]
            overrides:
            - match: {metric: REQUEST_COUNT}
              tagOverrides:
                request_host: {value: "request.host"}
                user: {value: "request.headers['x-user']"}
                request_protocol: {operation: REMOVE}
        ---
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata: {name: details-metrics, namespace: default}
        spec:
          selector: {matchLabels: {app: details}}
          metrics:
          - overrides:
            - match: {metric: REQUEST_COUNT, mode: CLIENT}
              disabled: true
            - match: {metric: REQUEST_DURATION, mode: SERVER}
              disabled: true
        """);
    PrometheusMeterRegistry productpageMetrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PrometheusMeterRegistry detailsMetrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0).start();
        MeshClient productpage = client(controlPlane, "productpage", productpageMetrics);
        MeshClient details = client(controlPlane, "details", detailsMetrics)) {
      assertThat(controlPlane.diagnostics()).noneMatch(d -> d.isError());
      assertThat(call(productpage, "alice")).isEqualTo(200);
      assertThat(call(productpage, "alice")).isEqualTo(200);
      assertThat(call(productpage, "bob")).isEqualTo(200);
      assertThat(call(details, "carol")).isEqualTo(200);
    }
    List<PrometheusText.Sample> requests = samples(productpageMetrics, "istio_requests_total");
    assertThat(requests).hasSize(2).allSatisfy(s -> assertThat(s.labels())
        .doesNotContainKey("request_protocol")
        .containsEntry("request_host", "reviews.default.svc.cluster.local:9080")
        .containsEntry("destination_workload", "reviews-v1"));
    assertThat(requests).filteredOn(s -> "alice".equals(s.labels().get("user")))
        .singleElement().extracting(PrometheusText.Sample::value).isEqualTo(2.0);
    assertThat(requests).filteredOn(s -> "bob".equals(s.labels().get("user")))
        .singleElement().extracting(PrometheusText.Sample::value).isEqualTo(1.0);
    assertThat(samples(productpageMetrics, "istio_request_duration_milliseconds_count"))
        .singleElement().satisfies(s -> assertThat(s.labels()).containsEntry("request_protocol", "http"));

    assertThat(samples(detailsMetrics, "istio_requests_total")).as("REQUEST_COUNT disabled for CLIENT").isEmpty();
    assertThat(samples(detailsMetrics, "istio_request_duration_milliseconds_count")).as("disabled for SERVER only")
        .singleElement().extracting(PrometheusText.Sample::value).isEqualTo(1.0);
  }
}
