package io.bowline.benchmarks;

import io.bowline.api.MeshClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A mesh client with its telemetry on as an application turns all of it on (issue 16's P1 criterion): Istio's
 * metrics into a {@code PrometheusMeterRegistry}, an OpenTelemetry SDK whose sampler keeps 1 % of traces
 * ({@code TraceIdRatioBased} 0.01, or {@code -Dp1.sdk.ratio}) and whose {@code BatchSpanProcessor} hands them to an exporter that counts
 * them, and the access log its listeners configure ({@link EndToEndFixture#HTTP_TELEMETRY_HOST},
 * {@link EndToEndFixture#GRPC_TELEMETRY_HOST}: {@code envoy.access_loggers.file}, Istio's default format).
 */
final class TelemetryOnMesh implements AutoCloseable {
  /** The SDK sampler's ratio: {@code -Dp1.sdk.ratio}, default 0.01 (1 %; 0 prices the unsampled calls alone). */
  static final double SAMPLED = Double.parseDouble(System.getProperty("p1.sdk.ratio", "0.01"));
  final MeshClient mesh;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final SdkTracerProvider tracing;
  private final AtomicLong exported = new AtomicLong();
  private final Path accessLog;

  /**
   * Subscribes to {@code fixture}'s control plane and waits until the client is ready.
   *
   * @throws java.util.concurrent.TimeoutException if the client is not ready within 30 s
   */
  TelemetryOnMesh(EndToEndFixture fixture) throws Exception {
    this(fixture, true, true);
  }

  /**
   * A client with only some of the telemetry on (the access log is the called host's listener's), for
   * {@link P1TelemetryBreakdown}.
   *
   * @param prometheus Istio's metrics into a {@code PrometheusMeterRegistry}, else the client's default registry
   * @param sdk the OTel SDK sampling 1 %, else the no-op API
   * @throws java.util.concurrent.TimeoutException if the client is not ready within 30 s
   */
  TelemetryOnMesh(EndToEndFixture fixture, boolean prometheus, boolean sdk) throws Exception {
    this.accessLog = fixture.accessLog;
    tracing = SdkTracerProvider.builder().setSampler(Sampler.traceIdRatioBased(SAMPLED))
        .addSpanProcessor(BatchSpanProcessor.builder(new CountingExporter(exported)).build()).build();
    MeshClient.Builder b = MeshClient.builder().workload("bench-telemetry", "default")
        .xdsServer("127.0.0.1:" + fixture.xds.getPort());
    if (prometheus) {
      b.meterRegistry(registry);
    }
    if (sdk) {
      b.openTelemetry(OpenTelemetrySdk.builder().setTracerProvider(tracing).build());
    }
    mesh = b.build();
    mesh.awaitReady(Duration.ofSeconds(30));
  }

  /** What the telemetry produced: spans exported, {@code istio_requests_total} samples, access-log lines. */
  String summary() throws IOException {
    tracing.forceFlush().join(10, TimeUnit.SECONDS);
    long series = registry.scrape().lines().filter(l -> l.startsWith("istio_requests_total{")).count();
    long lines;
    try (var l = Files.lines(accessLog)) {
      lines = l.count();
    }
    return String.format("telemetry on: %d spans exported, %d istio_requests_total series, %d access-log lines (%s)",
        exported.get(), series, lines, accessLog);
  }

  @Override
  public void close() {
    mesh.close();
    tracing.shutdown().join(10, TimeUnit.SECONDS);
  }

  /** Counts what the batch processor exports; a real exporter's network write is not P1's subject. */
  static final class CountingExporter implements SpanExporter {
    private final AtomicLong exported;

    /** @param exported where the count of exported spans goes */
    CountingExporter(AtomicLong exported) {
      this.exported = exported;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      exported.addAndGet(spans.size());
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
