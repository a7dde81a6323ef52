package io.bowline.runtime.adapter.grpc;

import io.bowline.api.config.CircuitBreakers;
import io.bowline.api.config.RetryPolicy;
import io.bowline.api.config.RoutePolicies;
import io.bowline.runtime.lb.UpstreamHost;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.pipeline.RoutedCall;
import io.bowline.runtime.resilience.ClusterResilience;
import io.bowline.runtime.resilience.Outcome;
import io.bowline.runtime.resilience.ResponseFlags;
import io.bowline.runtime.resilience.Resilience;
import io.bowline.runtime.resilience.circuitbreaker.ClusterCircuitBreaker;
import io.bowline.runtime.resilience.fault.FaultDecision;
import io.bowline.runtime.resilience.outlier.OutlierDetector;
import io.bowline.runtime.resilience.retry.RetryBackoff;
import io.bowline.runtime.resilience.retry.RetryDecider;
import io.bowline.runtime.routing.AttemptHosts;
import io.bowline.runtime.routing.RequestEditor;
import io.bowline.runtime.routing.RequestMutation;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One call on a {@link MeshChannel}. Routing needs the metadata, so the decision is made in
 * {@link #start}; then, as Envoy's fault filter and router would, using the resilience core:
 * fault injection before any traffic (gRFC A33: delay {@code DI}, abort {@code FI} with
 * {@code grpc_status} or the mapped {@code http_status}), circuit-breaker admission
 * ({@code max_requests}; overflow is UNAVAILABLE + {@code UO}, gRFC A32), the effective deadline
 * of gRFC A31 (the call's deadline, capped by {@code grpc_timeout_header_max} when set, else by a
 * non-zero {@code max_stream_duration}; {@code RouteAction.timeout} is ignored for gRPC as A31
 * says; expiry is DEADLINE_EXCEEDED + {@code UT}; the mesh enforces the route's cap itself, see
 * {@link MeshDeadline}), then attempts. Each attempt picks a host
 * without ejected hosts (and without tried hosts under {@code previous_hosts}), takes the chosen
 * endpoint's host name as its {@code :authority} under {@code auto_host_rewrite} (with
 * {@code append_x_forwarded_host}; a retry starts from what the previous attempt was sent with,
 * see {@link AttemptHosts}), sends
 * {@code x-envoy-attempt-count} when the virtual host asks for it, is bounded by
 * {@code per_try_timeout}, and reports its outcome to outlier detection (gRPC status mapped to
 * HTTP as Envoy does; transport failures as local-origin). Unary and server-streaming calls are
 * retried per the route's retry policy until the first response headers or message arrive (the
 * request message is kept for replay), at most 5 attempts (gRFC A44 cap; a deliberate difference
 * from Envoy, spec §4.4); other call types are not retried. Unary calls are mirrored
 * ({@link GrpcMirror}) once the first attempt is sent. Flags go in trailer
 * {@value LocalReplies#RESPONSE_FLAGS}.
 */
final class MeshClientCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {
  /** gRFC A44 caps attempts at 5. */
  static final int MAX_ATTEMPTS = 5;
  static final String ATTEMPT_COUNT = "x-envoy-attempt-count";
  static final Metadata.Key<String> ATTEMPT_COUNT_KEY = Metadata.Key.of(ATTEMPT_COUNT, Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> FORWARDED_HOST_KEY =
      Metadata.Key.of(RequestMutation.FORWARDED_HOST_HEADER, Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> FLAGS_KEY =
      Metadata.Key.of(LocalReplies.RESPONSE_FLAGS, Metadata.ASCII_STRING_MARSHALLER);

  private final String target;
  private final String host;
  private final int port;
  private final OutboundRouter router;
  private final EndpointChannels endpoints;
  private final MethodDescriptor<ReqT, RespT> method;
  private final CallOptions options;
  private final Executor executor;
  private final Context context; // the caller's, for attempts started after a delay or back-off

  // everything below is guarded by this
  private Listener<RespT> listener;
  private ClientCall<ReqT, RespT> delegate;
  private boolean direct; // no mesh resilience: every method goes straight to the delegate
  private boolean closed;
  private Status cancelled;
  private int requested;
  private final List<ReqT> messages = new ArrayList<>(1);
  private boolean halfClosed;
  private Boolean compression;
  private ScheduledFuture<?> timer;

  // mesh path state, set in start
  private RoutedCall.Upstream upstream;
  private Metadata headers;
  private MethodDescriptor<ReqT, RespT> upstreamMethod;
  private CallOptions upstreamOptions;
  private ClusterResilience state;
  private ClusterCircuitBreaker cb;
  private CircuitBreakers limits;
  private RetryPolicy retryPolicy;
  private RetryDecider decider;
  private int maxAttempts = 1;
  private UpstreamHost[] tried;
  private boolean admitted;
  /**
   * A unary call waits for its request (start, message, half-close) before the first attempt:
   * grpc-java then writes the stream's headers, message and end of stream in one flush to the
   * event loop, instead of waking it once for the headers and again for the message.
   */
  private boolean awaitingRequest;
  private boolean retrying;
  private boolean committed;
  private MeshDeadline meshDeadline; // null: the application's deadline (or none) governs
  private FaultDecision pendingFault;
  private String flags = "";
  private boolean mirroring; // a unary call on a route with request_mirror_policies
  private ReqT mirrorMessage;
  private AttemptHosts hosts; // auto_host_rewrite's state across attempts, made by the first attempt

  MeshClientCall(String target, String host, int port, OutboundRouter router, EndpointChannels endpoints,
      MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    this.target = target;
    this.host = host;
    this.port = port;
    this.router = router;
    this.endpoints = endpoints;
    this.method = method;
    this.options = options;
    Executor e = options.getExecutor();
    this.executor = e != null ? e : Runnable::run;
    this.context = Context.current();
  }

  @Override
  public synchronized void start(Listener<RespT> l, Metadata h) {
    this.listener = l;
    if (cancelled != null) {
      closeLocally(cancelled, new Metadata());
      return;
    }
    GrpcMeshRequest view = new GrpcMeshRequest(target, method.getFullMethodName(), h);
    RoutedCall call = router.route(host, port, view);
    if (call instanceof RoutedCall.LocalReply reply) {
      closeLocally(LocalReplies.status(reply), LocalReplies.trailers(reply));
      return;
    }
    if (!(call instanceof RoutedCall.Upstream up)) {
      direct = true;
      delegate = endpoints.get(host, port).newCall(method, options.withAuthority(target));
      delegate.start(l, h);
      return;
    }
    upstream = up;
    headers = h;
    upstreamMethod = method;
    upstreamOptions = options.withAuthority(target);
    if (up.mutation().changesRequest()) {
      Edits edits = new Edits(h);
      up.mutation().applyToRequest(view, edits);
      if (edits.path != null) {
        upstreamMethod = method.toBuilder().setFullMethodName(edits.path.substring(1)).build();
      }
      if (edits.authority != null) {
        upstreamOptions = options.withAuthority(edits.authority);
      }
    }
    RoutePolicies policies = up.route().policies();
    Resilience resilience = router.resilience();
    state = resilience.cluster(up.cluster());
    cb = state.circuitBreaker();
    limits = up.cluster().cluster().resilience().circuitBreakers();
    retryPolicy = policies.retry();
    if (retryPolicy != null && method.getType().clientSendsOneMessage()) {
      decider = resilience.retry(retryPolicy);
      maxAttempts = Math.min(MAX_ATTEMPTS, 1 + decider.numRetries());
    }
    mirroring = !policies.mirrors().isEmpty() && method.getType() == MethodDescriptor.MethodType.UNARY;
    FaultDecision fault = policies.fault() == null || !policies.fault().injects()
        ? null : resilience.fault(policies.fault()).decide(view, up.cluster().cluster().name());
    meshDeadline = MeshDeadline.of(options, context, policies.timeouts());
    if (meshDeadline != null) {
      meshDeadline.arm(this::onMeshDeadline);
    }
    if (fault == null && method.getType() == MethodDescriptor.MethodType.UNARY) {
      awaitingRequest = true; // admitted in halfClose, so the attempt starts with the whole request at once
    } else if (fault == null) {
      admit();
    } else if (fault.delays()) {
      pendingFault = fault;
      timer = FaultDelays.after(fault.delayMillis(), context.wrap(this::afterFaultDelay));
    } else {
      fault.finish();
      closeLocally(abortStatus(fault), flagged(new Metadata(), fault.responseFlags()));
    }
  }

  /**
   * The route's cap ({@link MeshDeadline}) has passed: a fault delay or back-off in progress ends
   * the call here; an attempt in flight is cancelled, and its listener ends the call with
   * DEADLINE_EXCEEDED and {@code UT}.
   */
  private synchronized void onMeshDeadline() {
    if (closed) {
      return;
    }
    if (stopWaiting()) {
      delegate.cancel("max_stream_duration reached", null);
      return;
    }
    closeLocally(meshDeadlineStatus(), flagged(new Metadata(), ResponseFlags.join(flags, ResponseFlags.UT)));
  }

  /**
   * Ends a fault delay or retry back-off in progress (no attempt is then in flight); returns
   * whether an attempt is in flight instead, for the caller to cancel.
   */
  private boolean stopWaiting() {
    boolean waiting = timer != null;
    if (waiting) {
      timer.cancel(false);
      timer = null;
    }
    if (pendingFault != null) {
      pendingFault.finish();
      pendingFault = null;
    }
    return !waiting && delegate != null;
  }

  private static Status meshDeadlineStatus() {
    return Status.DEADLINE_EXCEEDED.withDescription("mesh local reply: max_stream_duration reached (UT)");
  }

  /** Milliseconds left before the application's deadline or the route's cap, whichever is first. */
  private long callRemainingMillis() {
    long left = Long.MAX_VALUE;
    Deadline d = upstreamOptions.getDeadline();
    if (d != null) {
      left = d.timeRemaining(TimeUnit.MILLISECONDS);
    }
    return meshDeadline == null ? left : Math.min(left, meshDeadline.remainingMillis());
  }

  private static Status abortStatus(FaultDecision fault) {
    Status s = fault.grpcStatus() >= 0
        ? Status.fromCodeValue(fault.grpcStatus()) : Status.fromCode(GrpcStatuses.fromHttp(fault.httpStatus()));
    return s.isOk() ? s : s.withDescription("fault filter abort");
  }

  private synchronized void afterFaultDelay() {
    timer = null;
    FaultDecision fault = pendingFault;
    pendingFault = null;
    if (fault == null || closed) {
      return;
    }
    fault.finish();
    if (fault.aborts()) {
      closeLocally(abortStatus(fault), flagged(new Metadata(), fault.responseFlags()));
      return;
    }
    flags = ResponseFlags.DI;
    admit();
  }

  private void admit() {
    if (!cb.tryAcquireRequest(limits)) {
      closeLocally(Status.UNAVAILABLE.withDescription("mesh local reply: upstream overflow (UO)"),
          flagged(new Metadata(), ResponseFlags.join(flags, ResponseFlags.UO)));
      return;
    }
    admitted = true;
    attempt(1);
  }

  private void attempt(int n) {
    timer = null;
    if (closed) {
      return;
    }
    boolean previousHosts = maxAttempts > 1 && retryPolicy.previousHosts();
    if (previousHosts && tried == null) {
      tried = new UpstreamHost[maxAttempts];
    }
    UpstreamHost chosen = state.pick(upstream.cluster().balancing().balancer(), upstream.hash(),
        upstream.cluster().balancing().hosts().size(), previousHosts ? tried : null,
        previousHosts ? retryPolicy.hostSelectionRetryMaxAttempts() : 0);
    if (chosen == null) {
      RoutedCall.LocalReply uh = RoutedCall.LocalReply.noHealthyUpstream();
      closeLocally(LocalReplies.status(uh), flagged(LocalReplies.trailers(uh), flags));
      return;
    }
    if (previousHosts) {
      tried[n - 1] = chosen;
    }
    CallOptions o = upstreamOptions;
    String forwardedHost = null;
    if (upstream.mutation().autoHostRewrite()) {
      if (hosts == null) {
        RequestMutation m = upstream.mutation();
        hosts = m.attemptHosts(o.getAuthority(), m.appendsForwardedHost() ? forwardedHost(headers) : null);
      }
      hosts.next(chosen.endpoint()); // from what the previous attempt was sent with, as Envoy's router
      forwardedHost = hosts.forwardedHost();
      if (!hosts.authority().equals(o.getAuthority())) {
        o = o.withAuthority(hosts.authority());
      }
    }
    Metadata h = attemptHeaders(n, forwardedHost);
    if (retryPolicy != null && retryPolicy.perTryTimeout() != null && !retryPolicy.perTryTimeout().isZero()) {
      Deadline perTry = Deadline.after(retryPolicy.perTryTimeout().toNanos(), TimeUnit.NANOSECONDS);
      if (o.getDeadline() == null || perTry.isBefore(o.getDeadline())) {
        o = o.withDeadline(perTry);
      }
    }
    chosen.onRequestStart();
    ClientCall<ReqT, RespT> c;
    try {
      c = endpoints.get(chosen.endpoint().address(), chosen.endpoint().port(),
          upstream.cluster().cluster().optionsOrNone().connectTimeoutMs()).newCall(upstreamMethod, o);
      delegate = c;
      c.start(new Attempt(chosen, n), h);
    } catch (RuntimeException e) {
      chosen.onRequestEnd();
      release();
      throw e;
    }
    if (compression != null) {
      c.setMessageCompression(compression);
    }
    if (requested > 0) {
      c.request(requested);
    }
    for (ReqT m : messages) {
      c.sendMessage(m);
    }
    if (halfClosed) {
      c.halfClose();
    }
    if (n == 1) {
      maybeMirror();
    }
    if (maxAttempts == 1) {
      messages.clear();
    }
  }

  /**
   * The metadata to start attempt {@code n} with. The first attempt takes the caller's own (as a
   * direct call would); the client library only replaces its encoding headers in it, which every
   * attempt sets again. A retry, or an attempt that carries {@code x-envoy-attempt-count}, gets a
   * copy, so the caller's metadata never holds a count; so does one whose {@code x-forwarded-host}
   * changes ({@code append_x_forwarded_host} under {@code auto_host_rewrite}).
   */
  private Metadata attemptHeaders(int n, String forwardedHost) {
    boolean count = upstream.route().policies().includeAttemptCount();
    if (n == 1 && !count && forwardedHost == null) {
      return headers;
    }
    Metadata h = new Metadata();
    h.merge(headers);
    if (count) {
      h.removeAll(ATTEMPT_COUNT_KEY); // Envoy sets the header: the caller's own value is replaced
      h.put(ATTEMPT_COUNT_KEY, Integer.toString(n));
    }
    if (forwardedHost != null) {
      h.removeAll(FORWARDED_HOST_KEY);
      h.put(FORWARDED_HOST_KEY, forwardedHost);
    }
    return h;
  }

  /** The caller's {@code x-forwarded-host} values joined, or {@code null}. */
  private static String forwardedHost(Metadata h) {
    Iterable<String> values = h.getAll(FORWARDED_HOST_KEY);
    return values == null ? null : String.join(",", values);
  }

  /** Sends the shadows once: after the first attempt started (no fault abort) with the request complete. */
  private void maybeMirror() {
    if (!mirroring || !halfClosed || mirrorMessage == null) {
      return;
    }
    mirroring = false;
    GrpcMirror.mirror(router, endpoints, upstream.route().policies().mirrors(), upstreamMethod, headers,
        upstreamOptions.getAuthority(), upstream.route().policies().includeAttemptCount(), mirrorMessage);
    mirrorMessage = null;
  }

  private void release() {
    if (meshDeadline != null) {
      meshDeadline.disarm();
    }
    if (retrying) {
      cb.releaseRetry();
      retrying = false;
    }
    if (admitted) {
      cb.releaseRequest();
      admitted = false;
    }
  }

  private static Metadata flagged(Metadata trailers, String f) {
    if (!f.isEmpty()) {
      trailers.put(FLAGS_KEY, f);
    }
    return trailers;
  }

  private void closeLocally(Status status, Metadata trailers) {
    if (closed) {
      return;
    }
    closed = true;
    awaitingRequest = false;
    release();
    Listener<RespT> l = listener;
    executor.execute(() -> l.onClose(status, trailers));
  }

  /** Whether app calls should be held (before the first attempt, between attempts) or replayed later. */
  private boolean holding() {
    return !direct && (delegate == null || timer != null);
  }

  @Override
  public synchronized void request(int numMessages) {
    if (direct) {
      delegate.request(numMessages);
      return;
    }
    requested += numMessages;
    if (!holding() && delegate != null) {
      delegate.request(numMessages);
    }
  }

  @Override
  public synchronized void cancel(String message, Throwable cause) {
    if (direct) {
      delegate.cancel(message, cause);
      return;
    }
    if (closed || cancelled != null) {
      return;
    }
    cancelled = Status.CANCELLED.withDescription(message).withCause(cause);
    if (listener == null) {
      return; // start() will close
    }
    if (stopWaiting()) {
      delegate.cancel(message, cause); // its onClose ends the call (no retry once cancelled)
      return;
    }
    closeLocally(cancelled, new Metadata());
  }

  @Override
  public synchronized void halfClose() {
    if (direct) {
      delegate.halfClose();
      return;
    }
    halfClosed = true;
    if (awaitingRequest) {
      awaitingRequest = false; // still set, so the call is open (closeLocally clears it)
      admit(); // the first attempt replays start, request, the message and the half-close in one go
      return;
    }
    if (!holding() && delegate != null) {
      delegate.halfClose();
      maybeMirror();
    }
  }

  @Override
  public synchronized void sendMessage(ReqT message) {
    if (direct) {
      delegate.sendMessage(message);
      return;
    }
    if (mirroring && mirrorMessage == null) {
      mirrorMessage = message;
    }
    boolean hold = holding() || delegate == null;
    if (hold || (maxAttempts > 1 && !committed)) {
      messages.add(message);
    }
    if (!hold) {
      delegate.sendMessage(message);
    }
  }

  @Override
  public synchronized boolean isReady() {
    if (awaitingRequest) {
      return true; // the request message is buffered until the half-close: a sender must not wait for onReady
    }
    return delegate != null && !holding() && delegate.isReady();
  }

  @Override
  public synchronized void setMessageCompression(boolean enabled) {
    if (direct) {
      delegate.setMessageCompression(enabled);
      return;
    }
    compression = enabled;
    if (!holding() && delegate != null) {
      delegate.setMessageCompression(enabled);
    }
  }

  /** One attempt's listener: commits on the first response, retries or ends the call on close. */
  private final class Attempt extends ClientCall.Listener<RespT> {
    private final UpstreamHost chosen;
    private final int n;
    private boolean responded;

    Attempt(UpstreamHost chosen, int n) {
      this.chosen = chosen;
      this.n = n;
    }

    private void commit() {
      synchronized (MeshClientCall.this) {
        if (!committed) {
          committed = true;
          messages.clear();
        }
      }
    }

    @Override
    public void onHeaders(Metadata h) {
      responded = true;
      commit();
      if (upstream.mutation().changesResponse()) {
        upstream.mutation().applyToResponse(new MetadataEditor(h));
      }
      listener.onHeaders(h);
    }

    @Override
    public void onMessage(RespT message) {
      responded = true;
      commit();
      listener.onMessage(message);
    }

    @Override
    public void onReady() {
      listener.onReady();
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      chosen.onRequestEnd();
      if (status.getCode() == Status.Code.CANCELLED && meshDeadline != null && meshDeadline.fired()) {
        status = meshDeadlineStatus(); // cancelled by onMeshDeadline
      }
      Outcome outcome = outcome(status, trailers);
      OutlierDetector od = state.outlier();
      synchronized (MeshClientCall.this) {
        if (od != null && cancelled == null && outcome != null) {
          if (outcome.isResponse()) {
            od.recordStatus(chosen, outcome.httpStatus());
          } else {
            od.recordLocalOriginFailure(chosen);
          }
        }
        boolean retriable = !responded && !committed && cancelled == null && !closed && decider != null
            && outcome != null && decider.retriable(outcome);
        String end = "";
        if (retriable) {
          if (n < maxAttempts && retryNext(status)) {
            return;
          }
          end = ResponseFlags.URX;
        }
        closed = true;
        release();
        String all = ResponseFlags.join(flags, end);
        if (outcome == Outcome.PER_TRY_TIMEOUT
            || (status.getCode() == Status.Code.DEADLINE_EXCEEDED && meshDeadline != null && meshDeadline.fired())) {
          all = ResponseFlags.join(all, ResponseFlags.UT);
        }
        listener.onClose(status, flagged(trailers, all));
      }
    }

    /** Schedules the next attempt after the back-off; false when the retry budget or deadline forbids it. */
    private boolean retryNext(Status status) {
      if (retrying) {
        cb.releaseRetry();
        retrying = false;
      }
      if (!cb.tryAcquireRetry(limits)) {
        return false;
      }
      retrying = true;
      long wait = new RetryBackoff(retryPolicy.baseInterval(), retryPolicy.maxInterval()).nextMillis(n);
      if (callRemainingMillis() <= wait) {
        return false;
      }
      int next = n + 1;
      timer = FaultDelays.after(wait, context.wrap(() -> {
        synchronized (MeshClientCall.this) {
          try {
            attempt(next);
          } catch (RuntimeException e) {
            closeLocally(Status.INTERNAL.withDescription("mesh retry failed to start").withCause(e), new Metadata());
          }
        }
      }));
      return true;
    }

    /**
     * The attempt's outcome: a trailers-only response carries the gRPC status (Envoy retries on it,
     * spec §4.2); a status the client library made up from a transport failure (it has a cause) is
     * a reset or connect failure; a per-try deadline is {@code PER_TRY_TIMEOUT}.
     */
    private Outcome outcome(Status status, Metadata trailers) {
      Status.Code code = status.getCode();
      if (code == Status.Code.DEADLINE_EXCEEDED && !responded && (meshDeadline == null || !meshDeadline.fired())) {
        Deadline d = upstreamOptions.getDeadline();
        if (d == null || !d.isExpired()) {
          return Outcome.PER_TRY_TIMEOUT;
        }
      }
      if (status.getCause() != null && !responded) {
        return isConnectFailure(status.getCause()) ? Outcome.CONNECT_FAILURE : Outcome.RESET;
      }
      Outcome.Headers lookup = name -> {
        if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
          return null;
        }
        Iterable<String> values = trailers.getAll(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
        return values == null ? null : String.join(",", values);
      };
      return Outcome.response(GrpcStatuses.toHttp(code), code.value(), lookup);
    }
  }

  private static boolean isConnectFailure(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        return true;
      }
    }
    return false;
  }

  /** Request edits: headers go into the metadata, path and authority are kept for the call. */
  private static final class Edits extends MetadataEditor implements RequestEditor {
    String path;
    String authority;

    Edits(Metadata headers) {
      super(headers);
    }

    @Override
    public void path(String rawPath) {
      path = rawPath;
    }

    @Override
    public void authority(String a) {
      authority = a;
    }
  }
}
