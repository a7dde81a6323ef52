package io.bowline.runtime.telemetry;

import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import io.bowline.api.config.RetryPolicy;
import io.bowline.api.config.WorkloadMetadata;
import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.pipeline.RoutedCall;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The mesh's telemetry as the first filter of every chain, so it sees every call and every local
 * reply: Envoy's HCM and router tracing and Istio's stats filter in one place.
 *
 * <ul>
 *   <li>{@code x-request-id}: kept when the request has one, else a new UUIDv4; sent upstream on
 *       every attempt and on shadows (the HCM's {@code generate_request_id}).
 *   <li>Spans through the OpenTelemetry API: a client span per routed call (named as Istio's route
 *       decorator names it, {@code <host>:<port>/*}) whose context is sent upstream in the configured
 *       format ({@link TracingConfig}), and a child span per upstream attempt ({@code router <cluster>
 *       egress}, as Envoy's router names it), with Envoy's and Istio's tags. The current context
 *       (the application's span) is the parent. Without an SDK the API is a no-op and only an
 *       inbound trace context is passed on.
 *   <li>Istio's standard metrics and Envoy's cluster request counters ({@link IstioMetrics}).
 *   <li>The access log, when the listener configures one ({@link AccessLog}).
 * </ul>
 *
 * <p>The tracing format, sampling and access logs are the matched listener's
 * ({@code HttpConnectionManager.tracing} and {@code access_log}); a listener without
 * {@code tracing} sends B3 and leaves sampling to the application's SDK. The listener's {@code tracing.custom_tags}
 * are set on the call's span ({@link SpanTags}).
 */
public final class TelemetryFilter implements HttpFilter, AutoCloseable {
  /** The filter's name. */
  public static final String NAME = "bowline.telemetry";
  static final String REQUEST_ID = "x-request-id";
  private static final String INSTRUMENTATION = "io.bowline.mesh";
  private static final Tracer NOOP_TRACER = OpenTelemetry.noop().getTracer(INSTRUMENTATION);
  private static final TextMapSetter<MeshExchange> SETTER = (ex, k, v) -> ex.setHeaderKeepingRoute(lowerCase(k), v);
  private static final AttributeKey<String> COMPONENT = AttributeKey.stringKey("component");
  private static final AttributeKey<String> NODE_ID = AttributeKey.stringKey("node_id");
  private static final AttributeKey<String> GUID = AttributeKey.stringKey("guid:x-request-id");
  private static final AttributeKey<String> HTTP_URL = AttributeKey.stringKey("http.url");
  private static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.method");
  private static final AttributeKey<String> HTTP_PROTOCOL = AttributeKey.stringKey("http.protocol");
  private static final AttributeKey<String> USER_AGENT = AttributeKey.stringKey("user_agent");
  private static final AttributeKey<String> DOWNSTREAM_CLUSTER = AttributeKey.stringKey("downstream_cluster");
  private static final AttributeKey<String> UPSTREAM_CLUSTER = AttributeKey.stringKey("upstream_cluster");
  private static final AttributeKey<String> UPSTREAM_CLUSTER_NAME = AttributeKey.stringKey("upstream_cluster.name");
  private static final AttributeKey<String> STATUS = AttributeKey.stringKey("http.status_code");
  private static final AttributeKey<String> GRPC_STATUS = AttributeKey.stringKey("grpc.status_code");
  private static final AttributeKey<String> FLAGS = AttributeKey.stringKey("response_flags");
  private static final AttributeKey<String> REQUEST_SIZE = AttributeKey.stringKey("request_size");
  private static final AttributeKey<String> RESPONSE_SIZE = AttributeKey.stringKey("response_size");
  private static final AttributeKey<String> PEER_ADDRESS = AttributeKey.stringKey("peer.address");
  private static final AttributeKey<String> UPSTREAM_ADDRESS = AttributeKey.stringKey("upstream_address");
  private static final AttributeKey<String> ERROR = AttributeKey.stringKey("error");
  private static final AttributeKey<String> CANONICAL_SERVICE = AttributeKey.stringKey("istio.canonical_service");
  private static final AttributeKey<String> CANONICAL_REVISION = AttributeKey.stringKey("istio.canonical_revision");
  private static final AttributeKey<String> NAMESPACE = AttributeKey.stringKey("istio.namespace");
  private static final AttributeKey<String> MESH_ID = AttributeKey.stringKey("istio.mesh_id");

  private final LocalWorkload local;
  private final OpenTelemetry explicit;
  private final IstioMetrics metrics;
  private final ListenerTelemetry listeners = new ListenerTelemetry();
  private volatile Tracer tracer;
  /** The call span's name for the listener called last ({@code <listener>/*}), made once per listener change. */
  private volatile SpanName spanName = new SpanName("", "/*");

  /** A listener's name and the name of its calls' spans. */
  private record SpanName(String listener, String span) {}

  /**
   * @param local this workload (tags and {@code source_*} labels)
   * @param openTelemetry the application's OpenTelemetry, or {@code null} for {@code GlobalOpenTelemetry}
   * @param metrics Istio's metrics, or {@code null} for none
   */
  public TelemetryFilter(LocalWorkload local, OpenTelemetry openTelemetry, IstioMetrics metrics) {
    this.local = local;
    this.explicit = openTelemetry;
    this.metrics = metrics;
  }

  /** Closes the access-log files. */
  @Override
  public void close() {
    SpanFinisher.drain(); // a deferred call's spans end before the application's SDK is shut down
    listeners.close();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CompletionStage<ExchangeResponse> filter(Exchange exchange, Next next) {
    MeshExchange ex = (MeshExchange) exchange;
    String requestId = ex.header(REQUEST_ID);
    String generated = null;
    long idHigh = 0;
    long idLow = 0;
    if (requestId == null || requestId.isEmpty()) {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      idHigh = RequestIds.high(r);
      idLow = RequestIds.low(r);
      requestId = RequestIds.text(idHigh, idLow);
      generated = requestId;
      ex.setHeaderKeepingRoute(REQUEST_ID, requestId);
    }
    ListenerTelemetry.Compiled settings = listeners.of(ex.listenerTelemetry());
    if (metrics != null && settings.stats() != metrics.overrides()) {
      metrics.configure(settings.stats()); // the istio.stats filter's overrides changed (or another listener's)
    }
    TracingConfig config = settings.tracing();
    AccessLog accessLog = settings.accessLog();
    Context parent = Context.current();
    // a sampled call over a stable request tags and ends its spans after it completed, off its thread (SpanFinisher)
    Span span = startSpan(ex, config, requestId, parent);
    if (span != null) {
      config.propagation().inject(parent, span, ex, SETTER);
    }
    Span recorded = span != null && span.isRecording() ? span : null; // an unsampled span ends with nothing to do
    if (recorded == null && metrics == null && accessLog == null) {
      return next.proceed(exchange); // nothing to observe: the request id and trace headers alone
    }
    Counted call = recorded == null && accessLog == null ? new Counted(this)
        : new Call(this, recorded, accessLog, accessLog == null ? null : generated, idHigh, idLow,
            recorded != null && ex.stableRequest() ? new Deferred(config, requestId) : null);
    if (ex.unobserved()) {
      ex.observe(call);
    } else { // a filter before this one observes: the SPI's observers
      ex.onAttempt(a -> call.attemptEnded(ex, a.number(), a.host(), a.status(), a.failure(), a.durationNanos(),
          a.workload()));
      ex.onComplete(e -> call.completed(ex));
    }
    return next.proceed(exchange);
  }

  /** The call's client span; {@code null} when nothing is traced (no SDK and no inbound trace). */
  private Span startSpan(MeshExchange ex, TracingConfig config, String requestId, Context parent) {
    SpanContext parentSpan = Span.fromContext(parent).getSpanContext();
    if (!parentSpan.isValid() && !sampled(config.randomSamplingPercent())) {
      // Envoy still sends ids with the "not sampled" decision, so the callee does not sample either
      ThreadLocalRandom r = ThreadLocalRandom.current();
      return Span.wrap(SpanContext.create(TraceId.fromLongs(r.nextLong(), r.nextLong() | 1),
          SpanId.fromLong(r.nextLong() | 1), TraceFlags.getDefault(), TraceState.getDefault()));
    }
    Tracer t = tracer();
    if (t == NOOP_TRACER) { // no SDK: pass an inbound trace on unchanged, as the no-op span would
      return parentSpan.isValid() ? Span.wrap(parentSpan) : null;
    }
    Span span = t.spanBuilder(spanName(ex.listenerName())).setSpanKind(SpanKind.CLIENT).setParent(parent)
        .startSpan();
    if (!span.getSpanContext().isValid()) {
      return null; // the no-op API without an inbound trace
    }
    if (span.isRecording() && !ex.stableRequest()) {
      startTags(span, ex, config, requestId);
    }
    return span;
  }

  /** The call span's tags known when it starts: Envoy's and Istio's, then the listener's custom tags. */
  private void startTags(Span span, MeshExchange ex, TracingConfig config, String requestId) {
    span.setAttribute(COMPONENT, "proxy");
    span.setAttribute(NODE_ID, local.nodeId());
    span.setAttribute(GUID, requestId);
    span.setAttribute(HTTP_URL, ex.scheme() + "://" + ex.authority() + ex.path());
    span.setAttribute(HTTP_METHOD, ex.method());
    span.setAttribute(HTTP_PROTOCOL, "grpc".equals(ex.protocol()) ? "HTTP/2" : "HTTP/1.1");
    String ua = ex.header("user-agent");
    span.setAttribute(USER_AGENT, ua == null ? "-" : ua);
    span.setAttribute(DOWNSTREAM_CLUSTER, "-");
    span.setAttribute(CANONICAL_SERVICE, local.canonicalService());
    span.setAttribute(CANONICAL_REVISION, local.canonicalRevision());
    span.setAttribute(NAMESPACE, local.namespace());
    span.setAttribute(MESH_ID, local.meshId());
    config.spanTags().apply(span, ex);
  }

  /** {@code <listener>/*}, Istio's route decorator's name for the call's span, without a concatenation per call. */
  private String spanName(String listener) {
    SpanName n = spanName;
    if (!java.util.Objects.equals(n.listener, listener)) {
      n = new SpanName(listener, listener + "/*");
      spanName = n;
    }
    return n.span;
  }

  /**
   * The header name a propagator sets, in lower case: OTel's B3 propagator names its headers in mixed case
   * ({@code X-B3-TraceId}), which the exchange would lower-case on every call.
   */
  private static String lowerCase(String name) {
    return switch (name) {
      case "X-B3-TraceId" -> "x-b3-traceid";
      case "X-B3-SpanId" -> "x-b3-spanid";
      case "X-B3-Sampled" -> "x-b3-sampled";
      case "X-B3-Flags" -> "x-b3-flags";
      case "X-B3-ParentSpanId" -> "x-b3-parentspanid";
      default -> name;
    };
  }

  private static boolean sampled(double percent) {
    return percent >= 100 || (percent > 0 && ThreadLocalRandom.current().nextDouble() * 100 < percent);
  }

  private Tracer tracer() {
    Tracer t = tracer;
    if (t == null) {
      OpenTelemetry otel = explicit != null ? explicit : io.opentelemetry.api.GlobalOpenTelemetry.getOrNoop();
      t = otel.getTracer(INSTRUMENTATION);
      if (explicit != null || io.opentelemetry.api.GlobalOpenTelemetry.isSet()) {
        tracer = t; // a global set later is picked up on the next call
      }
    }
    return t;
  }

  /**
   * One call's metrics, installed as the exchange's observation (one object per call, 64 bytes with the
   * observation's own fields and the filter's reference; the hooks are given the exchange, so it is not kept): the
   * last attempt's endpoint workload and whether its {@code per_try_timeout} ended it.
   */
  private static class Counted extends MeshExchange.Observation {
    /** The filter (its metrics and tracer): one reference, not an outer instance per subclass. */
    final TelemetryFilter filter;
    /**
     * The last attempt's endpoint workload, wrapped in a {@link PerTryTimedOut} when its {@code per_try_timeout}
     * (not the route's timeout) ended it: one field for both keeps the object at 64 bytes, and only a timed-out
     * attempt makes the wrapper.
     */
    private Object last = WorkloadMetadata.NONE;

    Counted(TelemetryFilter filter) {
      this.filter = filter;
    }

    @Override
    protected void attemptEnded(MeshExchange ex, int number, String host, int status, String failure,
        long durationNanos, WorkloadMetadata workload) {
      last = workload;
      if (!failure.isEmpty() && filter.metrics != null) {
        boolean perTryTimeout = "per-try-timeout".equals(failure) && endedByPerTryTimeout(ex, durationNanos);
        if (perTryTimeout) {
          last = new PerTryTimedOut(workload);
        }
        filter.metrics.attemptFailed(ex.clusterName(), "connect-failure".equals(failure), perTryTimeout);
      }
    }

    /** The last attempt's endpoint workload ({@link WorkloadMetadata#NONE} without any). */
    final WorkloadMetadata destination() {
      return last instanceof PerTryTimedOut p ? p.workload() : (WorkloadMetadata) last;
    }

    /**
     * Whether an attempt that timed out ran its route's whole {@code per_try_timeout}: the transport bounds an
     * attempt by that or by the time left before the route's timeout, whichever is less, and reports both alike.
     */
    private static boolean endedByPerTryTimeout(MeshExchange ex, long durationNanos) {
      RetryPolicy p = ex.routed() instanceof RoutedCall.Upstream u ? u.route().policies().retry() : null;
      Duration perTry = p == null ? null : p.perTryTimeout();
      return perTry != null && durationNanos >= perTry.toNanos();
    }

    @Override
    protected void completed(MeshExchange e) {
      IstioMetrics metrics = filter.metrics;
      if (metrics != null) {
        boolean routeTimeout = e.localResponse() && e.status() == 504 && e.responseFlags().contains("UT")
            && !(last instanceof PerTryTimedOut);
        metrics.record(e, e.clusterName(), e.attempts(), destination(), routeTimeout);
      }
    }
  }

  /** The last attempt's endpoint workload, when that attempt's {@code per_try_timeout} ended it. */
  private record PerTryTimedOut(WorkloadMetadata workload) {}

  /**
   * One call's span and access log on top of its metrics: the span, the last attempt's host and the access log,
   * which reads the response head ({@code %RESP(X)%}) from the exchange's result when the call ends, and the request
   * id the filter generated with its UUID's two halves, which the access log's queue holds instead of the string.
   */
  private static final class Call extends Counted {
    /** The call's recorded span, or {@code null} when it is not sampled. */
    final Span span;
    final AccessLog accessLog;
    /** The {@code x-request-id} this filter generated for the access log, or {@code null}. */
    final String requestId;
    final long requestIdHigh;
    final long requestIdLow;
    /** A sampled call over a stable request: its tags and attempt spans wait for {@link SpanFinisher}, else null. */
    final Deferred deferred;
    String upstreamHost;

    Call(TelemetryFilter filter, Span span, AccessLog accessLog, String requestId, long requestIdHigh,
        long requestIdLow, Deferred deferred) {
      super(filter);
      this.span = span;
      this.accessLog = accessLog;
      this.requestId = requestId;
      this.requestIdHigh = requestIdHigh;
      this.requestIdLow = requestIdLow;
      this.deferred = deferred;
    }

    @Override
    protected void attemptEnded(MeshExchange ex, int number, String host, int status, String failure,
        long durationNanos, WorkloadMetadata workload) {
      super.attemptEnded(ex, number, host, status, failure, durationNanos, workload);
      upstreamHost = host;
      if (deferred != null) {
        deferred.attempts.add(new Attempt(number, host, status, failure, durationNanos, wallNanos()));
      } else if (span != null) {
        attemptSpan(ex, number, host, status, failure, durationNanos, wallNanos());
      }
    }

    private void attemptSpan(MeshExchange ex, int number, String host, int status, String failure,
        long durationNanos, long wallEnd) {
      String cluster = ex.clusterName();
      Span attempt = filter.tracer().spanBuilder("router " + (cluster == null ? "-" : cluster) + " egress")
          .setSpanKind(SpanKind.CLIENT).setParent(Context.root().with(span))
          .setStartTimestamp(wallEnd - durationNanos, TimeUnit.NANOSECONDS).startSpan();
      attempt.setAttribute(UPSTREAM_ADDRESS, host);
      attempt.setAttribute(PEER_ADDRESS, host);
      attempt.setAttribute(STATUS, Integer.toString(status));
      attempt.setAttribute(AttributeKey.longKey("retry.attempt"), number);
      if (!failure.isEmpty()) {
        attempt.setAttribute(FLAGS, failure);
      }
      if (status == 0 || status >= 500) {
        attempt.setAttribute(ERROR, "true");
      }
      attempt.end(wallEnd, TimeUnit.NANOSECONDS);
    }

    @Override
    protected void completed(MeshExchange e) {
      super.completed(e);
      String cluster = e.clusterName();
      if (accessLog != null) {
        accessLog.log(e, accessLog.readsResponse() ? e.result().getNow(null) : null, upstreamHost, requestId,
            requestIdHigh, requestIdLow);
      }
      if (deferred != null) {
        long end = wallNanos();
        if (e.readableWhenComplete()) {
          SpanFinisher.submit(() -> finish(e, cluster, end));
        } else {
          finish(e, cluster, end); // an edit after routing: read now, on the call's thread
        }
      } else if (span != null) {
        endSpan(e, cluster, 0);
      }
    }

    /** A deferred call's start tags, attempt spans and end, as the call would have made them. */
    private void finish(MeshExchange e, String cluster, long endNanos) {
      filter.startTags(span, e, deferred.tracing, deferred.requestId);
      for (Attempt a : deferred.attempts) {
        attemptSpan(e, a.number(), a.host(), a.status(), a.failure(), a.durationNanos(), a.wallEndNanos());
      }
      endSpan(e, cluster, endNanos);
    }

    /** Tags the call's span with its outcome and ends it, at {@code endNanos} (epoch ns) or, when 0, now. */
    private void endSpan(Exchange e, String cluster, long endNanos) {
      String flags = e.responseFlags();
      span.setAttribute(UPSTREAM_CLUSTER, cluster == null ? "-" : cluster);
      span.setAttribute(UPSTREAM_CLUSTER_NAME, cluster == null ? "-" : cluster);
      span.setAttribute(STATUS, Integer.toString(e.status()));
      if (e.grpcStatus() >= 0) {
        span.setAttribute(GRPC_STATUS, Integer.toString(e.grpcStatus()));
      }
      span.setAttribute(FLAGS, flags.isEmpty() ? "-" : flags);
      span.setAttribute(REQUEST_SIZE, Long.toString(Math.max(0, e.requestBodyBytes())));
      span.setAttribute(RESPONSE_SIZE, Long.toString(Math.max(0, e.responseBodyBytes())));
      if (upstreamHost != null) {
        span.setAttribute(PEER_ADDRESS, upstreamHost);
        span.setAttribute(UPSTREAM_ADDRESS, upstreamHost);
      }
      if (e.status() >= 500 || e.status() == 0 || e.grpcStatus() > 0 || !flags.isEmpty()) {
        span.setAttribute(ERROR, "true");
      }
      if (endNanos == 0) {
        span.end(); // on the call's thread: the SDK's own clock
      } else {
        span.end(endNanos, TimeUnit.NANOSECONDS);
      }
    }
  }

  /** Now, epoch nanoseconds (the system clock's precision, microseconds here), for a span's explicit timestamps. */
  private static long wallNanos() {
    java.time.Instant now = java.time.Instant.now();
    return TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
  }

  /** What a deferred sampled call keeps for {@link Call#finish}: the tracing config, its request id, its attempts. */
  private static final class Deferred {
    final TracingConfig tracing;
    final String requestId;
    final java.util.List<Attempt> attempts = new java.util.ArrayList<>(2);

    Deferred(TracingConfig tracing, String requestId) {
      this.tracing = tracing;
      this.requestId = requestId;
    }
  }

  /** One ended attempt of a deferred call, for its span. */
  private record Attempt(int number, String host, int status, String failure, long durationNanos,
      long wallEndNanos) {}
}
