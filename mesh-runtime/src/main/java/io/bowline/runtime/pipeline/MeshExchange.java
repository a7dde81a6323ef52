package io.bowline.runtime.pipeline;

import io.bowline.api.MeshRequest;
import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import io.bowline.api.config.HttpTelemetry;
import io.bowline.api.filter.UpstreamAttempt;
import io.bowline.runtime.snapshot.OutboundListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One routed exchange in the pipeline: the request view with the filters' edits, the routing
 * decision, the compiled chain of its route, and what filters observe (attempts, status, flags,
 * timings, bytes). Adapters create it, {@link #run()} it, turn its result into their response and
 * call {@link #complete()} when the response is over. Its methods run on the exchange's
 * {@link CallScheduler}, one at a time.
 */
public final class MeshExchange implements Exchange {
  private static final Logger log = LoggerFactory.getLogger(MeshExchange.class);

  /** What the adapter does when the router filter is reached: runs the router over its transport. */
  @FunctionalInterface
  public interface Upstreams {
    CompletionStage<ExchangeResponse> start(MeshExchange exchange, RoutedCall.Upstream upstream);
  }

  private final String protocol;
  private final MeshRequest request;
  private final OutboundRouter router;
  private final String host;
  private final int port;
  private final String listenerName;
  private final CallScheduler scheduler;
  private final long startNanos;
  private CompletableFuture<ExchangeResponse> result;
  private RouteChain chain;
  private RoutedCall routed;
  private HeaderEdits edits;
  private boolean routedWithEdits;
  private Observation observation; // made when a filter observes or keeps attributes
  private Upstreams upstreams;
  private Object shadowSender;
  private Interruptible interruptible;
  private CallScheduler.Cancellable timer;
  private String flags = "";
  private int status;
  private int grpcStatus = -1;
  private boolean localResponse;
  private int attempts;
  private long requestBodyBytes = -1;
  private boolean completed;

  /** What only filters read: their observers, attributes and the timings and counts made for them. */
  private static final class Observation {
    Map<String, Object> attributes;
    List<Consumer<UpstreamAttempt>> attemptObservers;
    List<Consumer<Exchange>> completeObservers;
    long headersNanos = -1;
    long durationNanos = -1;
    long responseBodyBytes = -1;
  }

  private Observation observation() {
    if (observation == null) {
      observation = new Observation();
    }
    return observation;
  }

  /** What an interruption (a deadline, the caller's cancel) stops: the router's attempts. */
  public interface Interruptible {
    /** Ends the exchange with {@code reply}: cancels an attempt in flight or answers at once. */
    void interrupt(LocalResponse reply);
  }

  /**
   * @param protocol {@code http} or {@code grpc}
   * @param request the adapter's view of the request
   * @param router routes the request again when filters edit it
   * @param host the destination host as the application wrote it
   * @param port the destination port
   * @param listenerName the listener that matched {@code host:port}
   * @param routed the routing decision (an upstream or a local reply)
   * @param chain the compiled filter chain of the decision's route
   * @param scheduler where the exchange's events run
   */
  public MeshExchange(String protocol, MeshRequest request, OutboundRouter router, String host, int port,
      String listenerName, RoutedCall routed, RouteChain chain, CallScheduler scheduler) {
    this.protocol = protocol;
    this.request = request;
    this.router = router;
    this.host = host;
    this.port = port;
    this.listenerName = listenerName;
    this.routed = routed;
    this.chain = chain;
    this.scheduler = scheduler;
    // only filters read the start (their timings); a chain of the router alone has no reader
    this.startNanos = chain.filters().length > 1 ? System.nanoTime() : 0;
  }

  /** Sets what the router filter starts: the adapter's attempts over its transport. */
  public MeshExchange upstreams(Upstreams u) {
    this.upstreams = u;
    return this;
  }

  /** Sets the adapter's sender of shadow requests ({@code request_mirror_policies}); none: no mirroring. */
  public MeshExchange shadowSender(Object sender) {
    this.shadowSender = sender;
    return this;
  }

  /** The adapter's sender of shadow requests, or {@code null} when this request cannot be mirrored. */
  public Object shadowSender() {
    return shadowSender;
  }

  /** Runs the chain; the returned future completes with the response head (never exceptionally). */
  public CompletableFuture<ExchangeResponse> run() {
    if (chain.filters().length == 1) { // the router alone: its result is the exchange's
      CompletionStage<ExchangeResponse> s = startRouter();
      if (result == null && s instanceof CompletableFuture<ExchangeResponse> f) {
        result = f;
        return f;
      }
      result();
      s.whenComplete((r, e) -> finish(r, e, null));
      return result;
    }
    result();
    CompletionStage<ExchangeResponse> s = proceed(0);
    s.whenComplete((r, e) -> finish(r, e, null));
    return result;
  }

  /** The chain from filter {@code index} on. */
  private CompletionStage<ExchangeResponse> proceed(int index) {
    HttpFilter[] filters = chain.filters();
    if (index >= filters.length) {
      return result; // the router filter ends every chain; not reached
    }
    HttpFilter f = filters[index];
    if (index == filters.length - 1) {
      return startRouter(); // the router filter ends every chain: it never fails its stage
    }
    try {
      CompletionStage<ExchangeResponse> s = f.filter(this, e -> {
        if (e != this) {
          throw new IllegalArgumentException("filter " + f.name() + " proceeded with another exchange");
        }
        // the rest of the chain runs on the exchange's scheduler, whichever thread the filter continues from
        CompletableFuture<ExchangeResponse> rest = new CompletableFuture<>();
        scheduler.execute(() -> proceed(index + 1).whenComplete((r, x) -> {
          if (x != null) {
            rest.completeExceptionally(x);
          } else {
            rest.complete(r);
          }
        }));
        return rest;
      });
      if (s == null) {
        return localReply(500, "mesh filter " + f.name() + " returned no response");
      }
      return s.handle((r, e) -> {
        if (e != null) {
          log.warn("mesh filter {} failed", f.name(), e);
          return LocalResponse.of(500, "", "mesh filter " + f.name() + " failed: " + e);
        }
        return r;
      });
    } catch (RuntimeException e) {
      log.warn("mesh filter {} failed", f.name(), e);
      return localReply(500, "mesh filter " + f.name() + " failed: " + e);
    }
  }

  private void finish(ExchangeResponse r, Throwable e, Object unused) {
    if (e != null || r == null) {
      r = LocalResponse.of(500, "", "mesh pipeline failed: " + e);
    }
    result.complete(r);
  }

  /** The router filter's work: routes again if filters edited the request, then starts the attempts. */
  public CompletionStage<ExchangeResponse> startRouter() {
    RoutedCall r = routed();
    if (r instanceof RoutedCall.Upstream up) {
      return upstreams.start(this, up);
    }
    if (r instanceof RoutedCall.LocalReply reply) {
      return CompletableFuture.completedFuture(LocalResponse.of(reply));
    }
    // the edited request names no listener any more: Envoy keeps the listener it matched
    return CompletableFuture.completedFuture(LocalResponse.of(RoutedCall.LocalReply.NO_ROUTE));
  }

  /** The exchange's result: completes with the response head (never exceptionally). */
  public CompletableFuture<ExchangeResponse> result() {
    if (result == null) {
      result = new CompletableFuture<>();
    }
    return result;
  }

  /**
   * The routing decision; made again when filters have edited the request since (Envoy's
   * {@code clearRouteCache}).
   */
  public RoutedCall routed() {
    if (edits != null && !routedWithEdits) {
      routedWithEdits = true;
      routed = router.route(host, port, this);
    }
    return routed;
  }

  /**
   * The telemetry settings ({@code tracing}, {@code access_log}) of the listener that matched the
   * call, as the current configuration has it; {@code null} if the listener is gone.
   */
  public HttpTelemetry listenerTelemetry() {
    OutboundListener l = router.listener(host, port);
    return l == null ? null : l.telemetry();
  }

  /** The compiled chain of the route. */
  public RouteChain chain() {
    return chain;
  }

  /** The filters' header edits, or {@code null} when there are none. */
  public HeaderEdits edits() {
    return edits;
  }

  /** The exchange's scheduler. */
  public CallScheduler scheduler() {
    return scheduler;
  }

  /**
   * Runs {@code task} after {@code delayNanos} on the scheduler, unless the exchange is interrupted
   * first (then it ends with the interruption's reply).
   */
  public void delay(long delayNanos, Runnable task) {
    timer = scheduler.schedule(() -> {
      timer = null;
      task.run();
    }, delayNanos);
  }

  /** Sets what {@link #interrupt} stops (the router's attempts), or {@code null}. */
  public void interruptible(Interruptible i) {
    this.interruptible = i;
  }

  /**
   * Ends the exchange early with {@code reply} (a deadline passed): a delay in progress stops and
   * the exchange answers {@code reply}; attempts in progress are handed the interruption.
   */
  public void interrupt(LocalResponse reply) {
    if (result().isDone()) {
      return;
    }
    if (timer != null) {
      timer.cancel();
      timer = null;
      result.complete(reply);
      return;
    }
    if (interruptible != null) {
      interruptible.interrupt(reply);
      return;
    }
    result.complete(reply);
  }

  /** Adds Envoy response flags (e.g. {@code DI}). */
  public void addFlags(String f) {
    flags = ResponseFlags.join(flags, f);
  }

  /** The flags added so far by filters. */
  public String flags() {
    return flags;
  }

  /** Records that {@code n} upstream attempts were made (nobody observes them one by one). */
  public void attemptsMade(int n) {
    attempts = n;
  }

  /** Records one upstream attempt's end for observers. */
  public void attemptEnded(UpstreamAttempt attempt) {
    attempts = attempt.number();
    if (observation != null && observation.attemptObservers != null) {
      for (Consumer<UpstreamAttempt> o : observation.attemptObservers) {
        try {
          o.accept(attempt);
        } catch (RuntimeException e) {
          log.warn("attempt observer failed", e);
        }
      }
    }
  }

  /** Whether anyone observes attempts or completion (adapters count bytes only then). */
  public boolean observed() {
    return observation != null && (observation.attemptObservers != null || observation.completeObservers != null);
  }

  /**
   * Records the response head: its status (gRPC: attributed HTTP status), gRPC status or -1, the
   * final response flags, and whether the mesh produced it.
   */
  public void responded(int httpStatus, int grpc, String responseFlags, boolean local) {
    this.status = httpStatus;
    this.grpcStatus = grpc;
    this.flags = responseFlags;
    this.localResponse = local;
    if (observation != null && observation.completeObservers != null) {
      observation.headersNanos = System.nanoTime() - startNanos;
    }
  }

  /** Records the gRPC status the call closed with (and its attributed HTTP status). */
  public void closed(int httpStatus, int grpc, String responseFlags) {
    this.status = httpStatus;
    this.grpcStatus = grpc;
    this.flags = responseFlags;
  }

  /** Records the request body size, or -1 when unknown. */
  public void requestBodyBytes(long bytes) {
    this.requestBodyBytes = bytes;
  }

  /** Adds received response body bytes. */
  public void addResponseBodyBytes(long bytes) {
    Observation o = observation();
    o.responseBodyBytes = (o.responseBodyBytes < 0 ? 0 : o.responseBodyBytes) + bytes;
  }

  /** Ends the exchange: runs the completion observers once. */
  public void complete() {
    if (completed) {
      return;
    }
    completed = true;
    if (observation != null && observation.completeObservers != null) {
      observation.durationNanos = System.nanoTime() - startNanos;
      for (Consumer<Exchange> o : observation.completeObservers) {
        try {
          o.accept(this);
        } catch (RuntimeException e) {
          log.warn("completion observer failed", e);
        }
      }
    }
  }

  // ---- Exchange

  @Override
  public String protocol() {
    return protocol;
  }

  @Override
  public String authority() {
    if (edits != null && edits.edited(":authority")) {
      return edits.values(":authority").get(0);
    }
    return request.authority();
  }

  @Override
  public String method() {
    return request.method();
  }

  @Override
  public String path() {
    return request.path();
  }

  @Override
  public String scheme() {
    return request.scheme();
  }

  @Override
  public List<String> headers(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (edits != null && edits.edited(lower)) {
      return edits.values(lower);
    }
    return request.headers(lower);
  }

  @Override
  public void setHeader(String name, String value) {
    edit(name).set(name, List.of(value));
  }

  @Override
  public void addHeader(String name, String value) {
    edit(name).set(name, HeaderEdits.plus(headers(name), value));
  }

  @Override
  public void removeHeader(String name) {
    edit(name).set(name, List.of());
  }

  /**
   * Sets a request header that routing does not read, keeping the routing decision: the headers
   * Envoy adds after the route is chosen ({@code x-request-id} when the HCM generates it, the
   * tracer's trace context). Other edits still route again.
   *
   * @param name the header name, case-insensitive
   * @param value the value
   */
  public void setHeaderKeepingRoute(String name, String value) {
    boolean pending = edits != null && !routedWithEdits;
    edit(name).set(name, List.of(value));
    routedWithEdits = !pending;
  }

  private HeaderEdits edit(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.isEmpty() || lower.startsWith(":") || lower.equals("host")) {
      throw new IllegalArgumentException("filters may not edit the header '" + name + "'");
    }
    if (edits == null) {
      edits = new HeaderEdits();
    }
    routedWithEdits = false;
    return edits;
  }

  @Override
  public Map<String, Object> attributes() {
    Observation o = observation();
    if (o.attributes == null) {
      o.attributes = new HashMap<>();
    }
    return o.attributes;
  }

  @Override
  public String listenerName() {
    return listenerName;
  }

  @Override
  public String routeName() {
    return routed() instanceof RoutedCall.Upstream up ? up.route().name() : chain.routeName();
  }

  @Override
  public String clusterName() {
    return routed() instanceof RoutedCall.Upstream up ? up.cluster().cluster().name() : null;
  }

  @Override
  public String peerIdentity() {
    return null;
  }

  @Override
  public long startNanos() {
    return startNanos;
  }

  @Override
  public CompletionStage<ExchangeResponse> localReply(int httpStatus, String body) {
    return CompletableFuture.completedFuture(LocalResponse.of(httpStatus, "", body == null ? "" : body));
  }

  @Override
  public void onAttempt(Consumer<UpstreamAttempt> observer) {
    Observation o = observation();
    if (o.attemptObservers == null) {
      o.attemptObservers = new ArrayList<>(2);
    }
    o.attemptObservers.add(observer);
  }

  @Override
  public void onComplete(Consumer<Exchange> observer) {
    Observation o = observation();
    if (o.completeObservers == null) {
      o.completeObservers = new ArrayList<>(2);
    }
    o.completeObservers.add(observer);
  }

  @Override
  public int status() {
    return status;
  }

  @Override
  public int grpcStatus() {
    return grpcStatus;
  }

  @Override
  public String responseFlags() {
    return flags;
  }

  @Override
  public boolean localResponse() {
    return localResponse;
  }

  @Override
  public int attempts() {
    return attempts;
  }

  @Override
  public long responseHeadersNanos() {
    return observation == null ? -1 : observation.headersNanos;
  }

  @Override
  public long durationNanos() {
    return observation == null ? -1 : observation.durationNanos;
  }

  @Override
  public long requestBodyBytes() {
    return requestBodyBytes;
  }

  @Override
  public long responseBodyBytes() {
    return observation == null ? -1 : observation.responseBodyBytes;
  }

  @Override
  public String toString() {
    return "Exchange{" + protocol + " " + method() + " " + authority() + path() + "}";
  }
}
