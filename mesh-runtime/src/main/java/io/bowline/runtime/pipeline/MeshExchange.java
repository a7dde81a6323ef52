package io.bowline.runtime.pipeline;

import io.bowline.api.MeshRequest;
import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import io.bowline.api.config.HttpTelemetry;
import io.bowline.api.config.WorkloadMetadata;
import io.bowline.api.filter.UpstreamAttempt;
import io.bowline.runtime.snapshot.OutboundListener;
import io.bowline.api.config.PeerMetadataExchange;
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
 * timings, bytes). Adapters create it with their per-call object (its {@link Upstreams}: the
 * router's start, the scheduler, the shadow sender), {@link #run()} it, turn its result into their
 * response and call {@link #complete()} when the response is over. Its methods run on the
 * exchange's {@link CallScheduler}, one at a time.
 */
public final class MeshExchange implements Exchange {
  private static final Logger log = LoggerFactory.getLogger(MeshExchange.class);

  /**
   * The adapter's side of one exchange, usually its per-call object, so that the exchange keeps one
   * link to the adapter: what the router filter starts, where the exchange's events run, and the
   * sender of shadow requests.
   */
  public interface Upstreams {
    /**
     * The router filter is reached: runs the router ({@code UpstreamCall}) over the adapter's
     * transport.
     *
     * @param exchange the exchange
     * @param upstream the routing decision, with the filters' edits
     * @return the router's stage, which never fails
     */
    CompletionStage<ExchangeResponse> start(MeshExchange exchange, RoutedCall.Upstream upstream);

    /** Where the exchange's events run, one at a time; the same scheduler for the exchange's life. */
    CallScheduler scheduler();

    /**
     * The adapter's sender of shadow requests ({@code request_mirror_policies}), asked once per
     * mirroring: {@code null} (the default) when this request cannot be mirrored.
     */
    default Object shadowSender() {
      return null;
    }
  }

  /**
   * A request view whose values cannot change once its exchange has completed (an immutable request, such as
   * OkHttp's): a completed exchange over it may be read later, on another thread ({@link #readableWhenComplete()}).
   * A view over buffers its adapter reuses (the proxy's request heads) or over a caller's mutable object (gRPC's
   * {@code Metadata}) is not one.
   */
  public interface StableRequest extends MeshRequest {}

  private final MeshRequest request;
  private final OutboundRouter router;
  private final String host;
  private final char port; // 0-65535: a char holds every port (an int would not fit the exchange in 80 bytes)
  private final String listenerName;
  private final Upstreams upstreams; // the adapter's per-call object: also the scheduler and the shadow sender
  private final long startNanos;
  private CompletableFuture<ExchangeResponse> result;
  private RouteChain chain;
  private RoutedCall routed;
  // null; the filters' HeaderEdits alone (the telemetry filter's x-request-id, set before it
  // observes); or the Observation, made when a filter observes or keeps attributes or a response
  // has flags, which then keeps the edits and the flags too. One field for what most exchanges never
  // have keeps the exchange at 80 bytes.
  private Object observation;
  // while a filter's filter() runs: the thread running it (a next.proceed from that thread runs at
  // once); once a next.proceed made there returns: the stage it returned (passed on, it needs no
  // wrapping). One field for both keeps the exchange at its size.
  private Object chainMark;
  private Interruptible interruptible;
  // HTTP statuses have three digits, gRPC's are 0-16 (-1: none) and attempts are at most 65535 (the
  // router's cap): a short, a byte and a char keep the exchange at 80 bytes
  private short status;
  private byte grpcStatus = -1;
  private char attempts;
  private long requestBodyBytes = -1;
  private byte bits; // GRPC, ROUTED_WITH_EDITS, LOCAL_RESPONSE, COMPLETED

  private static final byte ROUTED_WITH_EDITS = 1; // the routing decision includes the filters' edits
  private static final byte LOCAL_RESPONSE = 2; // the mesh produced the response head
  private static final byte COMPLETED = 4; // complete() ran
  private static final byte GRPC = 8; // the protocol is grpc (else http): one bit instead of a field

  /**
   * What only filters read about one exchange: the timings and byte counts made for them, the
   * filter SPI's observers and attributes, and, once it exists, what most exchanges never have: the
   * filters' header edits and the response flags (Envoy's, when not none). A built-in filter that observes every exchange (the
   * mesh's telemetry) extends it and {@linkplain #observe installs} its per-call state as the
   * exchange's observation, so that observing costs that one object: its hooks take the attempt's
   * fields without an {@link UpstreamAttempt}, which is made only for the SPI's observers.
   */
  public abstract static class Observation {
    private long attemptStartNanos; // when the attempt in flight started
    private long headersNanos = -1;
    private long durationNanos = -1;
    private long responseBodyBytes = -1;
    private Listeners listeners; // the SPI's observers and attributes, made on first use
    private HeaderEdits edits; // the filters' header edits, null when none
    private String flags = ""; // the response flags added by filters, then the response's

    /**
     * One upstream attempt ended. The exchange is passed in, as to {@link #completed}, so that an
     * observation need not keep it in a field of its own.
     *
     * @param exchange the exchange
     * @param number the attempt's number, 1 for the first
     * @param host the host it went to, {@code address:port}
     * @param status the HTTP status it answered, 0 when it failed before a response
     * @param failure Envoy's name of its failure ({@code connect-failure}, {@code reset},
     *     {@code per-try-timeout}, ...), {@code ""} when it answered
     * @param durationNanos the attempt's duration
     * @param workload the endpoint's Istio workload metadata ({@link WorkloadMetadata#NONE} without any)
     */
    protected void attemptEnded(MeshExchange exchange, int number, String host, int status, String failure,
        long durationNanos, WorkloadMetadata workload) {}

    /**
     * The exchange is over: status, flags, timings and byte counts are final.
     *
     * @param exchange the exchange
     */
    protected void completed(MeshExchange exchange) {}

    /** Whether this observation has hooks of its own (a subclass) and not only the SPI's lists. */
    boolean hooks() {
      return true;
    }
  }

  /** The observation made for the SPI's observers and attributes alone. */
  private static final class PlainObservation extends Observation {
    @Override
    boolean hooks() {
      return false;
    }
  }

  /** The filter SPI's observers and attributes. */
  private static final class Listeners {
    Map<String, Object> attributes;
    List<Consumer<UpstreamAttempt>> attemptObservers;
    List<Consumer<Exchange>> completeObservers;
  }

  /** The observation, or {@code null} when there is none (nothing, or header edits alone). */
  private Observation obs() {
    return observation instanceof Observation o ? o : null;
  }

  /** The observation, made (taking over the header edits) if there is none. */
  private Observation observation() {
    Object x = observation;
    if (x instanceof Observation o) {
      return o;
    }
    Observation o = new PlainObservation();
    o.edits = (HeaderEdits) x;
    observation = o;
    return o;
  }

  private Listeners listeners() {
    Observation o = observation();
    if (o.listeners == null) {
      o.listeners = new Listeners();
    }
    return o.listeners;
  }

  /**
   * Installs {@code o} as this exchange's observation (a built-in filter's per-call state): its
   * hooks see every attempt and the completion.
   *
   * @param o the observation, not yet installed on another exchange
   * @throws IllegalStateException if the exchange already has one (another observer came first)
   */
  public void observe(Observation o) {
    if (!unobserved()) {
      throw new IllegalStateException("the exchange is already observed");
    }
    Object x = observation;
    if (x instanceof Observation plain) { // it held only header edits or flags: they move to o
      o.edits = plain.edits;
      o.flags = plain.flags;
    } else {
      o.edits = (HeaderEdits) x;
    }
    observation = o;
  }

  /**
   * Whether nothing observes or keeps attributes on this exchange yet ({@link #observe} may be
   * called); header edits and flags alone do not count.
   */
  public boolean unobserved() {
    Observation o = obs();
    return o == null || o.getClass() == PlainObservation.class && o.listeners == null;
  }

  /** What an interruption (a deadline, the caller's cancel) stops: the router's attempts. */
  public interface Interruptible {
    /** Ends the exchange with {@code reply}: cancels an attempt in flight or answers at once. */
    void interrupt(LocalResponse reply);

    /**
     * The chain answered with something other than what this produced (a filter replaced the
     * router's response with a local reply): what is still held for it is let go (on the
     * exchange's scheduler). Nothing by default.
     */
    default void replaced() {}

    /**
     * The exchange is about to let go of the routing decision it holds now ({@link #routedUpstream()}):
     * filters' edits route it again, or another interruptible takes this one's place. A router,
     * which reads its decision from the exchange instead of keeping a copy, keeps that decision from
     * then on (Envoy's router keeps the route entry it started with when a filter clears the route
     * cache). Called on the exchange's scheduler, while the decision is still the exchange's.
     * Nothing by default.
     */
    default void releasingDecision() {}
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
   * @param upstreams the adapter's side: the router's start, the scheduler, the shadow sender
   * @throws IllegalArgumentException for another protocol, or a port outside 0-65535
   */
  public MeshExchange(String protocol, MeshRequest request, OutboundRouter router, String host, int port,
      String listenerName, RoutedCall routed, RouteChain chain, Upstreams upstreams) {
    if ("grpc".equals(protocol)) {
      bits = GRPC;
    } else if (!"http".equals(protocol)) {
      throw new IllegalArgumentException("protocol must be http or grpc: " + protocol);
    }
    this.request = request;
    this.router = router;
    this.host = host;
    if ((port & ~0xFFFF) != 0) {
      throw new IllegalArgumentException("port out of range for " + host + ": " + port);
    }
    this.port = (char) port;
    this.listenerName = listenerName;
    this.routed = routed;
    this.chain = chain;
    this.upstreams = upstreams;
    // only filters read the start (their timings); a chain of the router alone has no reader
    this.startNanos = chain.filters().length > 1 ? System.nanoTime() : 0;
  }

  /** The adapter's sender of shadow requests, or {@code null} when this request cannot be mirrored. */
  public Object shadowSender() {
    return upstreams.shadowSender();
  }

  /** Runs the chain; the returned future completes with the response head (never exceptionally). */
  public CompletableFuture<ExchangeResponse> run() {
    CompletionStage<ExchangeResponse> s = chain.filters().length == 1 ? startRouter() : proceed(0);
    // the chain's stage never fails (the router's, or a filter's made safe), so it can be the result
    if (result == null && s instanceof CompletableFuture<ExchangeResponse> f) {
      result = f;
      return f;
    }
    result();
    s.whenComplete(this::finish);
    return result;
  }

  /**
   * Each chain position's {@link HttpFilter.Next}: stateless (the exchange is the argument), made
   * once per position for every exchange.
   */
  private static volatile HttpFilter.Next[] nexts = new HttpFilter.Next[0];

  private static HttpFilter.Next next(int index) {
    HttpFilter.Next[] n = nexts;
    if (index < n.length) {
      return n[index];
    }
    synchronized (MeshExchange.class) {
      n = nexts;
      if (index >= n.length) {
        HttpFilter.Next[] grown = java.util.Arrays.copyOf(n, Math.max(index + 1, 2 * n.length));
        for (int i = n.length; i < grown.length; i++) {
          int from = i;
          grown[i] = e -> {
            if (!(e instanceof MeshExchange ex)) {
              throw new IllegalArgumentException("a filter proceeded with an exchange that is not the mesh's: " + e);
            }
            return ex.continueAt(from);
          };
        }
        nexts = grown;
        n = grown;
      }
      return n[index];
    }
  }

  /**
   * A filter's {@code next.proceed}: the chain from filter {@code index} on. Called on the thread
   * that runs a filter, from inside that filter, it runs at once; otherwise (a filter continues
   * later, or from a thread of its own) the rest of the chain runs on the exchange's scheduler.
   */
  private CompletionStage<ExchangeResponse> continueAt(int index) {
    if (chainMark == Thread.currentThread()) {
      CompletionStage<ExchangeResponse> s = proceed(index);
      chainMark = s;
      return s;
    }
    CompletableFuture<ExchangeResponse> rest = new CompletableFuture<>();
    upstreams.scheduler().execute(() -> proceed(index).whenComplete((r, x) -> {
      if (x != null) {
        rest.completeExceptionally(x);
      } else {
        rest.complete(r);
      }
    }));
    return rest;
  }

  /** The chain from filter {@code index} on; its stage never fails (a filter's failure is a 500). */
  private CompletionStage<ExchangeResponse> proceed(int index) {
    HttpFilter[] filters = chain.filters();
    if (index >= filters.length) {
      return result(); // the router filter ends every chain; not reached
    }
    if (index == filters.length - 1) {
      return startRouter(); // the router filter ends every chain: it never fails its stage
    }
    HttpFilter f = filters[index];
    Object outer = chainMark;
    chainMark = Thread.currentThread();
    CompletionStage<ExchangeResponse> s;
    Object rest;
    try {
      s = f.filter(this, next(index + 1));
    } catch (RuntimeException e) {
      log.warn("mesh filter {} failed", f.name(), e);
      return localReply(500, "mesh filter " + f.name() + " failed: " + e);
    } finally {
      rest = chainMark;
      chainMark = outer;
    }
    if (s == null) {
      return localReply(500, "mesh filter " + f.name() + " returned no response");
    }
    if (s == rest) {
      return s; // the rest of the chain's stage, passed on unchanged: it never fails
    }
    return s.handle((r, e) -> {
      ExchangeResponse answer = r;
      if (e != null) {
        log.warn("mesh filter {} failed", f.name(), e);
        answer = LocalResponse.of(500, "", "mesh filter " + f.name() + " failed: " + e);
      }
      answered(answer);
      return answer;
    });
  }

  private void finish(ExchangeResponse r, Throwable e) {
    if (e != null || r == null) {
      r = LocalResponse.of(500, "", "mesh pipeline failed: " + e);
    }
    answered(r);
    result.complete(r);
  }

  /**
   * A filter's stage answered {@code r} (called before the answer is passed on): when it is not
   * the router's response (the router is its own response), the router lets go of its attempt on
   * the scheduler before the adapter sees the answer (a caller-thread scheduler runs its tasks
   * before it looks at the result).
   */
  private void answered(ExchangeResponse r) {
    if (interruptible != null && interruptible != r) {
      upstreams.scheduler().execute(() -> {
        Interruptible i = interruptible;
        if (i != null && i != r) {
          i.replaced();
        }
      });
    }
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
    if (edits() != null && !is(ROUTED_WITH_EDITS)) {
      set(ROUTED_WITH_EDITS, true);
      RoutedCall next = router.reroute(host, port, this); // a new decision object: see Interruptible.releasingDecision
      if (interruptible != null) {
        interruptible.releasingDecision(); // a router started with the decision held now keeps it
      }
      routed = next;
    }
    return routed;
  }

  /**
   * The upstream decision the exchange holds now, without routing again: what the router filter
   * started the router with ({@link Upstreams#start} is given the same decision), until filters'
   * edits route the exchange again (the router is told first: {@link Interruptible#releasingDecision}).
   *
   * @throws IllegalStateException if the decision is not to send upstream
   */
  public RoutedCall.Upstream routedUpstream() {
    return routed instanceof RoutedCall.Upstream up ? up : notUpstream(); // small: the JIT inlines it at every use
  }

  private RoutedCall.Upstream notUpstream() {
    throw new IllegalStateException("the exchange is not routed upstream: " + routed);
  }

  /**
   * The telemetry settings ({@code tracing}, {@code access_log}) of the listener that matched the
   * call ({@link #listener()}); {@code null} if the listener is gone.
   */
  public HttpTelemetry listenerTelemetry() {
    OutboundListener l = listener();
    return l == null ? null : l.telemetry();
  }

  /**
   * The {@code istio.metadata_exchange} config of the listener that matched the call ({@link #listener()});
   * {@code null} if the listener has no such filter or is gone.
   */
  public PeerMetadataExchange listenerPeerMetadata() {
    OutboundListener l = listener();
    return l == null ? null : l.peerMetadata();
  }

  /**
   * The listener that matched the call: the one the routing decision was made with when it sends upstream (no
   * lookup), else the current configuration's for {@code host:port}; {@code null} if it is gone.
   */
  private OutboundListener listener() {
    return routed instanceof RoutedCall.Upstream up ? up.listener() : router.listener(host, port);
  }

  /** The compiled chain of the route. */
  public RouteChain chain() {
    return chain;
  }

  /** The filters' header edits, or {@code null} when there are none. */
  public HeaderEdits edits() {
    Object x = observation;
    return x instanceof Observation o ? o.edits : (HeaderEdits) x;
  }

  /** The exchange's scheduler. */
  public CallScheduler scheduler() {
    return upstreams.scheduler();
  }

  /**
   * Runs {@code task} after {@code delayNanos} on the scheduler, unless the exchange is interrupted
   * first (then it ends with the interruption's reply).
   */
  public void delay(long delayNanos, Runnable task) {
    // until the task runs, an interruption cancels the delay and answers at once; the router, which
    // the task may start, is what an interruption stops after that
    CallScheduler.Cancellable timer = upstreams.scheduler().schedule(() -> {
      interruptible(null);
      task.run();
    }, delayNanos);
    interruptible(reply -> {
      timer.cancel();
      interruptible = null;
      result().complete(reply);
    });
  }

  /**
   * Sets what {@link #interrupt} stops (the router's attempts), or {@code null}; the one it replaces
   * is told that the exchange no longer holds its decision for it ({@link Interruptible#releasingDecision}).
   */
  public void interruptible(Interruptible i) {
    Interruptible previous = interruptible;
    if (previous != null && previous != i) {
      previous.releasingDecision();
    }
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
    if (interruptible != null) {
      interruptible.interrupt(reply);
      return;
    }
    result.complete(reply);
  }

  /** Adds Envoy response flags (e.g. {@code DI}). */
  public void addFlags(String f) {
    Observation o = observation();
    o.flags = ResponseFlags.join(o.flags, f);
  }

  /** The flags added so far by filters. */
  public String flags() {
    Observation o = obs();
    return o == null ? "" : o.flags;
  }

  /**
   * The router starts an upstream attempt: when the exchange is observed, its start is kept (for
   * {@link #attemptNanos}), so that the router's state needs no clock reading of its own.
   */
  public void attemptStarted() {
    if (observed()) {
      ((Observation) observation).attemptStartNanos = System.nanoTime();
    }
  }

  /** Nanoseconds since the attempt in flight started ({@link #attemptStarted}); meaningful when observed. */
  public long attemptNanos() {
    Observation o = obs();
    return System.nanoTime() - (o == null ? 0 : o.attemptStartNanos);
  }

  /** Records that {@code n} upstream attempts were made (nobody observes them one by one). */
  public void attemptsMade(int n) {
    attempts = attemptCount(n);
  }

  /** Records one upstream attempt's end for observers. */
  public void attemptEnded(UpstreamAttempt attempt) {
    attempts = attemptCount(attempt.number());
    Observation o = obs();
    if (o == null) {
      return;
    }
    o.attemptEnded(this, attempt.number(), attempt.host(), attempt.status(), attempt.failure(),
        attempt.durationNanos(), attempt.workload());
    notifyAttempt(attempt);
  }

  /**
   * Records one upstream attempt's end for observers, its fields given one by one: the
   * {@link UpstreamAttempt} is made only when the filter SPI's observers need it.
   *
   * @param number the attempt's number, 1 for the first
   * @param host {@code address:port}
   * @param status the HTTP status, 0 when it failed before a response
   * @param failure Envoy's name of the failure, {@code ""} when it answered
   * @param durationNanos the attempt's duration
   * @param workload the endpoint's Istio workload metadata ({@link WorkloadMetadata#NONE} without any)
   */
  public void attemptEnded(int number, String host, int status, String failure, long durationNanos,
      WorkloadMetadata workload) {
    attempts = attemptCount(number);
    Observation o = obs();
    if (o == null) {
      return;
    }
    o.attemptEnded(this, number, host, status, failure, durationNanos, workload);
    Listeners l = o.listeners;
    if (l != null && l.attemptObservers != null) {
      notifyAttempt(new UpstreamAttempt(number, host, status, failure, durationNanos, workload));
    }
  }

  /** {@code n} as kept (at most 65535, the router's cap on attempts). */
  private static char attemptCount(int n) {
    return (char) Math.max(0, Math.min(0xFFFF, n));
  }

  private void notifyAttempt(UpstreamAttempt attempt) {
    Listeners l = obs().listeners;
    if (l != null && l.attemptObservers != null) {
      for (Consumer<UpstreamAttempt> o : l.attemptObservers) {
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
    Observation o = obs();
    return o != null && (o.hooks() || o.listeners != null
        && (o.listeners.attemptObservers != null || o.listeners.completeObservers != null));
  }

  /**
   * Records the response head: its status (gRPC: attributed HTTP status), gRPC status or -1, the
   * final response flags, and whether the mesh produced it.
   */
  public void responded(int httpStatus, int grpc, String responseFlags, boolean local) {
    this.status = (short) httpStatus;
    this.grpcStatus = grpcCode(grpc);
    flags(responseFlags);
    set(LOCAL_RESPONSE, local);
    if (observed()) {
      ((Observation) observation).headersNanos = System.nanoTime() - startNanos;
    }
  }

  /**
   * A gRPC status as kept: -1 (none) and the codes 0-16 as they are; any other number is read as
   * gRPC clients read it, UNKNOWN (2).
   */
  private static byte grpcCode(int grpc) {
    return grpc >= -1 && grpc <= 16 ? (byte) grpc : 2;
  }

  /** Records the gRPC status the call closed with (and its attributed HTTP status). */
  public void closed(int httpStatus, int grpc, String responseFlags) {
    this.status = (short) httpStatus;
    this.grpcStatus = grpcCode(grpc);
    flags(responseFlags);
  }

  /** Sets the response flags; none ({@code ""}) needs no observation. */
  private void flags(String responseFlags) {
    Observation o = obs();
    if (o != null) {
      o.flags = responseFlags;
    } else if (!responseFlags.isEmpty()) {
      observation().flags = responseFlags;
    }
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
    if (is(COMPLETED)) {
      return;
    }
    set(COMPLETED, true);
    if (observed()) {
      Observation obs = (Observation) observation;
      obs.durationNanos = System.nanoTime() - startNanos;
      try {
        obs.completed(this);
      } catch (RuntimeException e) {
        log.warn("completion observer failed", e);
      }
      if (obs.listeners != null && obs.listeners.completeObservers != null) {
        for (Consumer<Exchange> o : obs.listeners.completeObservers) {
          try {
            o.accept(this);
          } catch (RuntimeException e) {
            log.warn("completion observer failed", e);
          }
        }
      }
    }
  }

  private boolean is(byte bit) {
    return (bits & bit) != 0;
  }

  private void set(byte bit, boolean on) {
    bits = (byte) (on ? bits | bit : bits & ~bit);
  }

  // ---- Exchange

  @Override
  public String protocol() {
    return is(GRPC) ? "grpc" : "http";
  }

  @Override
  public String authority() {
    HeaderEdits edits = edits();
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
    HeaderEdits edits = edits();
    if (edits != null && edits.edited(lower)) {
      return edits.values(lower);
    }
    return request.headers(lower);
  }

  @Override
  public void setHeader(String name, String value) {
    edit().setLowerCase(editableName(name), value);
  }

  @Override
  public void addHeader(String name, String value) {
    edit().setLowerCase(editableName(name), HeaderEdits.plus(headers(name), value));
  }

  @Override
  public void removeHeader(String name) {
    edit().setLowerCase(editableName(name), List.<String>of());
  }

  /**
   * Sets a request header that routing does not read, keeping the routing decision: the headers
   * Envoy adds after the route is chosen ({@code x-request-id} when the HCM generates it, the
   * tracer's trace context). Other edits still route again.
   *
   * @param name the header name, case-insensitive
   * @param value the value
   * @throws IllegalArgumentException if filters may not edit {@code name}
   */
  public void setHeaderKeepingRoute(String name, String value) {
    String lower = editableName(name);
    boolean pending = edits() != null && !is(ROUTED_WITH_EDITS);
    edit().setLowerCase(lower, value);
    set(ROUTED_WITH_EDITS, !pending);
  }

  /**
   * {@link #setHeaderKeepingRoute(String, String)} for a header whose name and value are fixed per configuration
   * (Istio's peer metadata headers): nothing is lower-cased, checked or allocated per call, and an adapter that
   * writes bytes copies the header's field line.
   *
   * @param header the header
   */
  public void setHeaderKeepingRoute(ConstantHeader header) {
    boolean pending = edits() != null && !is(ROUTED_WITH_EDITS);
    edit().set(header);
    set(ROUTED_WITH_EDITS, !pending);
  }

  /**
   * {@code name} in lower case, when filters may edit it.
   *
   * @throws IllegalArgumentException for an empty name, a pseudo-header or {@code host}
   */
  static String editableName(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.isEmpty() || lower.charAt(0) == ':' || lower.equals("host")) {
      throw new IllegalArgumentException("filters may not edit the header '" + name + "'");
    }
    return lower;
  }

  /** The exchange's header edits, made if there are none; the routing decision is to be made again. */
  private HeaderEdits edit() {
    HeaderEdits e = edits();
    if (e == null) {
      e = new HeaderEdits();
      if (observation instanceof Observation o) {
        o.edits = e;
      } else {
        observation = e; // edits alone need no observation
      }
    }
    set(ROUTED_WITH_EDITS, false);
    return e;
  }

  @Override
  public Map<String, Object> attributes() {
    Listeners l = listeners();
    if (l.attributes == null) {
      l.attributes = new HashMap<>();
    }
    return l.attributes;
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
  public String downstreamRemoteAddress() {
    return request.downstreamRemoteAddress();
  }

  /**
   * Whether, once completed, this exchange answers every {@link Exchange} read as it did at completion, from any
   * thread that sees its completion through a lock or a volatile: its request is a {@link StableRequest} and
   * nothing writes the exchange after {@link #complete()} (the access log's flush thread then reads the line's values
   * itself, instead of the call copying them out).
   */
  public boolean readableWhenComplete() {
    // an edit made after the router started would route again on the next read of the decision: not read elsewhere
    return is(COMPLETED) && stableRequest() && (edits() == null || is(ROUTED_WITH_EDITS));
  }

  /** Whether the request is a {@link StableRequest}: once completed, the exchange may be readable on another thread. */
  public boolean stableRequest() {
    return request instanceof StableRequest;
  }

  @Override
  public String downstreamLocalAddress() {
    return request.downstreamLocalAddress();
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
    Listeners l = listeners();
    if (l.attemptObservers == null) {
      l.attemptObservers = new ArrayList<>(2);
    }
    l.attemptObservers.add(observer);
  }

  @Override
  public void onComplete(Consumer<Exchange> observer) {
    Listeners l = listeners();
    if (l.completeObservers == null) {
      l.completeObservers = new ArrayList<>(2);
    }
    l.completeObservers.add(observer);
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
    return flags();
  }

  @Override
  public boolean localResponse() {
    return is(LOCAL_RESPONSE);
  }

  @Override
  public int attempts() {
    return attempts;
  }

  @Override
  public long responseHeadersNanos() {
    Observation o = obs();
    return o == null ? -1 : o.headersNanos;
  }

  @Override
  public long durationNanos() {
    Observation o = obs();
    return o == null ? -1 : o.durationNanos;
  }

  @Override
  public long requestBodyBytes() {
    return requestBodyBytes;
  }

  @Override
  public long responseBodyBytes() {
    Observation o = obs();
    return o == null ? -1 : o.responseBodyBytes;
  }

  @Override
  public String toString() {
    return "Exchange{" + protocol() + " " + method() + " " + authority() + path() + "}";
  }
}
