package io.bowline.benchmarks;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.CircuitBreakers;
import io.bowline.api.config.Cluster;
import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.api.config.ClusterPolicies;
import io.bowline.api.config.Endpoint;
import io.bowline.api.config.HeaderMutations;
import io.bowline.api.config.LbPolicy;
import io.bowline.api.config.LocalityEndpoints;
import io.bowline.api.config.OutlierDetection;
import io.bowline.api.config.PathMatcher;
import io.bowline.api.config.Route;
import io.bowline.api.config.RouteAction;
import io.bowline.api.config.RouteMatch;
import io.bowline.api.config.RoutePolicies;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import io.bowline.api.filter.UpstreamAttempt;
import io.bowline.runtime.pipeline.CallScheduler;
import io.bowline.runtime.pipeline.CallerThreadScheduler;
import io.bowline.runtime.pipeline.LocalResponse;
import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.pipeline.RouteChain;
import io.bowline.runtime.pipeline.RoutedCall;
import io.bowline.runtime.router.RouterFilter;
import io.bowline.runtime.routing.HashPolicies;
import io.bowline.runtime.routing.RequestMutation;
import io.bowline.runtime.snapshot.MeshSnapshot;
import io.bowline.runtime.telemetry.IstioMetrics;
import io.bowline.runtime.telemetry.LocalWorkload;
import io.bowline.runtime.telemetry.TelemetryFilter;
import io.bowline.runtime.telemetry.format.AccessLogFormat;
import io.bowline.runtime.upstream.ClusterEntry;
import io.bowline.runtime.upstream.lb.ClusterLoadBalancing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-call work of the mesh's telemetry filter with the no-op OpenTelemetry API (no SDK), the
 * way an adapter drives one exchange: run the chain (the router answers at once), one attempt
 * observed, the response recorded, the exchange completed. {@code routerOnly} is the same
 * exchange without the telemetry filter (escape analysis then removes the exchange itself);
 * {@code passThroughFilter} has, instead of the telemetry filter, a filter that only proceeds (the
 * exchange, the scheduler and the adapter's callback then exist, as in every real call);
 * {@code observingFilter} a filter that only registers a completion observer (the pipeline's cost
 * of a filter observing through the SPI); {@code telemetryNoMetrics} leaves out Istio's metrics;
 * {@code telemetry} records them in a {@code SimpleMeterRegistry}; {@code telemetryWithRequestId}
 * is a request that already carries {@code x-request-id}; {@code telemetryPrometheus} is that request with the
 * metrics in a {@code PrometheusMeterRegistry}, the registry a scrape reads; {@code telemetrySdkUnsampled} is that
 * request with the metrics in a {@code SimpleMeterRegistry} and an OpenTelemetry SDK that samples 1 % of traces
 * ({@code TraceIdRatioBased(0.01)}, a {@code BatchSpanProcessor} to an exporter that counts them): mostly the SDK's
 * unsampled span and the B3 headers it sends; {@code telemetryPrometheusFlushed} adds, every 1,024th call, the stats flush
 * that merges the histograms into Micrometer (done by a flush thread otherwise); {@code accessLogLine} is what a finished
 * call's thread pays for one line of Istio's default format to a file access log (as up to the ninth round, and again
 * since the eleventh): the values captured for the flush thread, which prints and writes them (the file sink's append
 * to its queue, under a lock, is left out: a benchmark that queues lines much faster than one thread writes them
 * measures the queue's growth), {@code accessLogLineFromEntry} the same through an entry object;
 * {@code accessLogLinePrinted} the line printed to bytes, what the call's thread did in the tenth round;
 * {@code accessLogLineQueued} the values captured straight into a queue's flat arrays, numbers unboxed (what the call
 * pays since the twelfth round: no array, no box), {@code accessLogLinePrintedFromQueue} such a line printed to bytes
 * (what the flush thread does per line since the twelfth) and {@code accessLogLinePrintedFromCapture} a captured array
 * printed (what it did in the eleventh). The telemetry filter's own cost is the difference to
 * {@code passThroughFilter}. Run with {@code -prof gc} for B/op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class TelemetryBenchmark {
  private static final UpstreamAttempt ATTEMPT = new UpstreamAttempt(1, "10.0.0.1:9080", 200, "", 1_000);
  private static final CompletableFuture<ExchangeResponse> OK = CompletableFuture.completedFuture(
      LocalResponse.of(200, "", ""));

  /** A GET to {@code svc:80/}, with the given headers. */
  private record Request(Map<String, String> headerValues) implements MeshRequest {
    @Override
    public String authority() {
      return "svc:80";
    }

    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String path() {
      return "/";
    }

    @Override
    public String scheme() {
      return "http";
    }

    @Override
    public List<String> headers(String name) {
      String v = headerValues.get(name);
      return v == null ? List.of() : List.of(v);
    }

    /** One value read as an adapter reads it (OkHttp's {@code Request.header}), without a list per read. */
    @Override
    public String header(String name) {
      return headerValues.get(name);
    }
  }

  private final MeshRequest plain = new Request(Map.of());
  private final MeshRequest withId = new Request(Map.of("x-request-id", "0b8c0e0e-9d8e-4a86-9f53-1b2d3c4d5e6f"));
  private OutboundRouter router;
  private RoutedCall.Upstream upstream;
  private RouteChain routerOnly;
  private RouteChain passThrough;
  private RouteChain proceedOnly;
  private RouteChain noMetrics;
  private RouteChain withMetrics;
  private RouteChain withPrometheus;
  private IstioMetrics prometheusMetrics;
  private long calls;
  private RouteChain withSdk;
  private SdkTracerProvider tracing;
  private MeshExchange finished;
  private final AccessLogFormat istioFormat = AccessLogFormat.text(AccessLogFormat.ISTIO_DEFAULT);
  private final io.bowline.runtime.telemetry.format.LineBuffer printed =
      new io.bowline.runtime.telemetry.format.LineBuffer(512);
  /** The last line's captured values (what a file sink queued for its flush thread in the eleventh round). */
  private Object[] lastLine;
  /** A file sink's queue, flat ({@code accessLogLineQueued} wraps around it). */
  private final Object[] queuedValues = new Object[24 * 256];
  private final long[] queuedNumbers = new long[24 * 256];
  private int queuedAt;
  private int queuedNumbersAt;
  /** One line captured into flat arrays, and the same line captured into an array of its own: what the prints read. */
  private final Object[] oneQueuedLine = new Object[24];
  private final long[] oneQueuedLineNumbers = new long[24];
  private Object[] oneCapturedLine;

  @Setup
  public void setUp() {
    router = new OutboundRouter(new OutboundRouter.Snapshots() {
      @Override
      public MeshSnapshot current() {
        return MeshSnapshot.EMPTY;
      }

      @Override
      public CompletableFuture<Void> ready() {
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public boolean received() {
        return true;
      }

      @Override
      public String source() {
        return "benchmark";
      }
    }, null, "cluster.local", List.of());
    Route route = new Route("r", new RouteMatch(new PathMatcher.Prefix("/"), true, List.of()),
        new RouteAction.ToCluster("c", RouteAction.ForwardOptions.NONE), HeaderMutations.NONE,
        RoutePolicies.ENVOY_DEFAULT);
    ClusterLoadAssignment one = new ClusterLoadAssignment("outbound|80||svc.default.svc.cluster.local",
        List.of(new LocalityEndpoints(LocalityEndpoints.Locality.NONE, 0, 1,
            List.of(new Endpoint("10.0.0.1", 9080, 1, Endpoint.HealthStatus.HEALTHY)))), 140);
    ClusterEntry cluster = new ClusterEntry(new Cluster(one.clusterName(), Cluster.DiscoveryType.STATIC, null,
        LbPolicy.ROUND_ROBIN, one, new ClusterPolicies(CircuitBreakers.ENVOY_DEFAULT, OutlierDetection.ENVOY_DEFAULT)),
        one, ClusterLoadBalancing.build(LbPolicy.ROUND_ROBIN, one, null));
    upstream = new RoutedCall.Upstream(route, cluster, "svc:80", RequestMutation.NONE, HashPolicies.NO_HASH,
        null); // no router runs here: the benchmark's upstreams answer
    LocalWorkload local = LocalWorkload.of("sidecar~10.0.0.1~bench.default~default.svc.cluster.local", "bench",
        "default", Map.of("app", "bench", "version", "v1"), null, null);
    routerOnly = new RouteChain(route, new HttpFilter[] {RouterFilter.INSTANCE}, null, null);
    HttpFilter observeOnly = (e, next) -> {
      e.onComplete(x -> { });
      return next.proceed(e);
    };
    HttpFilter proceed = (e, next) -> next.proceed(e);
    proceedOnly = new RouteChain(route, new HttpFilter[] {proceed, RouterFilter.INSTANCE}, null, null);
    passThrough = new RouteChain(route, new HttpFilter[] {observeOnly, RouterFilter.INSTANCE}, null, null);
    noMetrics = new RouteChain(route, new HttpFilter[] {new TelemetryFilter(local, OpenTelemetry.noop(), null),
        RouterFilter.INSTANCE}, null, null);
    withMetrics = new RouteChain(route, new HttpFilter[] {new TelemetryFilter(local, OpenTelemetry.noop(),
        new IstioMetrics(new SimpleMeterRegistry(), local)), RouterFilter.INSTANCE}, null, null);
    prometheusMetrics = new IstioMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), local);
    withPrometheus = new RouteChain(route, new HttpFilter[] {new TelemetryFilter(local, OpenTelemetry.noop(),
        prometheusMetrics), RouterFilter.INSTANCE}, null, null);
    tracing = SdkTracerProvider.builder().setSampler(Sampler.traceIdRatioBased(0.01))
        .addSpanProcessor(BatchSpanProcessor.builder(new TelemetryOnMesh.CountingExporter(new AtomicLong())).build())
        .build();
    withSdk = new RouteChain(route, new HttpFilter[] {new TelemetryFilter(local,
        OpenTelemetrySdk.builder().setTracerProvider(tracing).build(),
        new IstioMetrics(new SimpleMeterRegistry(), local)), RouterFilter.INSTANCE}, null, null);
    try {
      finished = (MeshExchange) exchange(withId, withMetrics, true);
      istioFormat.capture(oneQueuedLine, 0, oneQueuedLineNumbers, 0, finished, null, "10.0.0.1:9080", start());
      oneCapturedLine = istioFormat.capture(finished, null, "10.0.0.1:9080", start());
    } catch (InterruptedIOException e) {
      throw new IllegalStateException(e);
    }
  }

  @TearDown
  public void tearDown() {
    tracing.shutdown().join(10, TimeUnit.SECONDS);
  }

  /** The adapter's per-call object: the exchange's scheduler, and an upstream that answers at once. */
  private static final class Call extends CallerThreadScheduler implements MeshExchange.Upstreams {
    @Override
    public CompletionStage<ExchangeResponse> start(MeshExchange e, RoutedCall.Upstream up) {
      e.attemptEnded(ATTEMPT);
      return OK;
    }

    @Override
    public CallScheduler scheduler() {
      return this;
    }
  }

  private Object exchange(MeshRequest request, RouteChain chain) throws InterruptedIOException {
    return exchange(request, chain, false);
  }

  /** One call through {@code chain}: its response future, or with {@code exchange} the finished exchange. */
  private Object exchange(MeshRequest request, RouteChain chain, boolean exchange) throws InterruptedIOException {
    Call scheduler = new Call();
    MeshExchange ex = new MeshExchange("http", request, router, "svc", 80, "svc:80", upstream, chain, scheduler);
    CompletableFuture<ExchangeResponse> r = ex.run();
    scheduler.runUntil(r);
    ex.responded(200, -1, "", false);
    ex.complete();
    return exchange ? ex : r;
  }

  /**
   * A call with {@code headers} through the telemetry filter with metrics, finished: the exchange a file access log's
   * line reads ({@link AccessLogFlushBenchmark} captures lines of such calls). Call after {@link #setUp()}.
   */
  MeshExchange finished(Map<String, String> headers) throws InterruptedIOException {
    return (MeshExchange) exchange(new Request(headers), withMetrics, true);
  }

  @Benchmark
  public Object routerOnly() throws InterruptedIOException {
    return exchange(plain, routerOnly);
  }

  @Benchmark
  public Object passThroughFilter() throws InterruptedIOException {
    return exchange(plain, proceedOnly);
  }

  @Benchmark
  public Object observingFilter() throws InterruptedIOException {
    return exchange(plain, passThrough);
  }

  @Benchmark
  public Object telemetryNoMetrics() throws InterruptedIOException {
    return exchange(plain, noMetrics);
  }

  @Benchmark
  public Object telemetry() throws InterruptedIOException {
    return exchange(plain, withMetrics);
  }

  @Benchmark
  public Object telemetryWithRequestId() throws InterruptedIOException {
    return exchange(withId, withMetrics);
  }

  @Benchmark
  public Object telemetrySdkUnsampled() throws InterruptedIOException {
    return exchange(withId, withSdk);
  }

  /** One line of Istio's default format for a finished call, as the file access log takes it from the call's thread. */
  @Benchmark
  public Object[] accessLogLine() {
    return lastLine = istioFormat.capture(finished, null, "10.0.0.1:9080", start());
  }

  /**
   * One line of Istio's default format for a finished call printed to UTF-8 bytes, as the file access log's call
   * thread did in the tenth round (into a reused buffer; the copy to the file's buffer under its lock is left out, as
   * in {@code accessLogLine}); its flush thread prints captured values so since the eleventh.
   */
  @Benchmark
  public int accessLogLinePrinted() {
    printed.clear(4096);
    istioFormat.print(printed, finished, null, "10.0.0.1:9080", start());
    return printed.length();
  }

  /**
   * One line of Istio's default format captured straight into a file sink's flat queue, numbers unboxed, as the call's
   * thread does since the twelfth round (the sink's lock left out, as in {@code accessLogLine}).
   */
  @Benchmark
  public int accessLogLineQueued() {
    int width = istioFormat.width();
    if (queuedAt + width > queuedValues.length) {
      queuedAt = 0;
      queuedNumbersAt = 0;
    }
    int numbers = istioFormat.capture(queuedValues, queuedAt, queuedNumbers, queuedNumbersAt, finished, null,
        "10.0.0.1:9080", start());
    queuedAt += width;
    queuedNumbersAt += numbers;
    return numbers;
  }

  /** A line {@code accessLogLineQueued} captured, printed to bytes: the flush thread's work per line since the twelfth. */
  @Benchmark
  public int accessLogLinePrintedFromQueue() {
    printed.clear(4096);
    istioFormat.print(printed, oneQueuedLine, 0, oneQueuedLineNumbers, 0);
    return printed.length();
  }

  /** A line {@code accessLogLine} captured, printed to bytes: the flush thread's work per line in the eleventh round. */
  @Benchmark
  public int accessLogLinePrintedFromCapture() {
    printed.clear(4096);
    istioFormat.print(printed, oneCapturedLine);
    return printed.length();
  }

  /** {@code accessLogLine} captured through an entry object, as the seventh round's access log did. */
  @Benchmark
  public Object[] accessLogLineFromEntry() {
    AccessLogFormat.Entry entry = new AccessLogFormat.Entry(finished, null, "10.0.0.1:9080", start());
    return lastLine = istioFormat.capture(entry);
  }

  private long start() {
    return System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(Math.max(0, finished.durationNanos()));
  }

  @Benchmark
  public Object telemetryPrometheus() throws InterruptedIOException {
    return exchange(withId, withPrometheus);
  }

  /**
   * {@code telemetryPrometheus} plus, every 1,024th call, the stats flush of the histograms on the calling thread:
   * the call's whole CPU cost with the merge into Micrometer amortised, which the call path alone leaves to the
   * flush thread (every 5 s, so over many more calls).
   */
  @Benchmark
  public Object telemetryPrometheusFlushed() throws InterruptedIOException {
    Object r = exchange(withId, withPrometheus);
    if ((++calls & 1023) == 0) {
      prometheusMetrics.flush();
    }
    return r;
  }
}
