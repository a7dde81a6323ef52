package io.bowline.runtime.adapter.grpc;

import io.bowline.api.filter.ExchangeResponse;
import io.bowline.runtime.filter.mirror.ShadowSender;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import io.bowline.runtime.pipeline.CallScheduler;
import io.bowline.runtime.pipeline.LocalResponse;
import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.pipeline.RoutedCall;
import io.bowline.runtime.pipeline.ResponseFlags;
import io.bowline.runtime.pipeline.SerialScheduler;
import io.bowline.runtime.router.UpstreamCall;
import io.bowline.runtime.router.UpstreamResponse;
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
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * One call on a {@link MeshChannel}: the gRPC adapter's entry and transport. Every method only
 * posts its work to the call's {@link SerialScheduler} (grpc-java's {@code SynchronizationContext}
 * pattern): {@link #start} never blocks (before the client's first configuration the call is held
 * and continues when it arrives or the initial-fetch timer fires) and no listener callback runs
 * under a lock. Routing needs the metadata, so the decision is made at start; a unary call then
 * waits for its request (message and half-close), so the first attempt writes the whole request
 * at once and can be mirrored. The route's filter chain (fault, the user's filters, mirroring) and
 * the router ({@link UpstreamCall}, at most 5 attempts: the gRFC A44 cap, a deliberate difference
 * from Envoy, spec §4.4) run over this call's transport: each attempt is a call on the pooled
 * channel to the chosen endpoint, bounded by {@code per_try_timeout}; unary and server-streaming
 * calls are retried until the first response headers arrive (the request message is kept for
 * replay). The effective deadline of gRFC A31 applies (the call's deadline, capped by
 * {@code grpc_timeout_header_max} when set, else by a non-zero {@code max_stream_duration};
 * {@code RouteAction.timeout} is ignored for gRPC; the mesh enforces its cap itself, see
 * {@link MeshDeadline}: DEADLINE_EXCEEDED + {@code UT}). Local replies become statuses
 * ({@link LocalReplies}); flags go in trailer {@value LocalReplies#RESPONSE_FLAGS}. Targets the mesh
 * does not know are called directly.
 */
final class MeshClientCall<ReqT, RespT> extends ClientCall<ReqT, RespT> implements MeshExchange.Upstreams {
  /** gRFC A44 caps attempts at 5. */
  static final int MAX_ATTEMPTS = 5;
  static final String ATTEMPT_COUNT = "x-envoy-attempt-count";
  static final Metadata.Key<String> ATTEMPT_COUNT_KEY = Metadata.Key.of(ATTEMPT_COUNT, Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> FORWARDED_HOST_KEY =
      Metadata.Key.of(RequestMutation.FORWARDED_HOST_HEADER, Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> FLAGS_KEY =
      Metadata.Key.of(LocalReplies.RESPONSE_FLAGS, Metadata.ASCII_STRING_MARSHALLER);

  private final String target;
  private final String host;
  private final int port;
  private final OutboundRouter router;
  final EndpointChannels endpoints;
  private final MethodDescriptor<ReqT, RespT> method;
  private final String path; // "/" + the method's full name
  private final CallOptions options;
  final ListenerExecutor callbacks; // the application's listener callbacks: on the call's executor, in order
  private final Context context;
  private final MeshManagedChannel channel; // counts the call from start to onClose; null: not counted
  final SerialScheduler serial = new SerialScheduler((nanos, task) -> FaultDelays.after(
      TimeUnit.NANOSECONDS.toMillis(nanos), task));

  // everything below is read and written on the serial scheduler only
  Listener<RespT> listener;
  private Metadata headers;
  private ClientCall<ReqT, RespT> direct; // a target the mesh does not know
  private boolean started;
  boolean closed;
  private Status cancelled;
  private int requested;
  private final List<ReqT> messages = new ArrayList<>(1);
  private boolean keepMessages = true;
  private boolean halfClosed;
  private Boolean compression;
  private boolean awaitingRequest; // a unary call waits for its request before the pipeline runs
  private RoutedCall routed;
  MeshExchange exchange;
  UpstreamCall<GrpcTransport<ReqT, RespT>.Head> upstreamCall;
  private Prepared prepared;
  GrpcTransport<ReqT, RespT>.AttemptListener current; // the attempt in flight, before the response commits it
  GrpcTransport<ReqT, RespT>.AttemptListener committed; // the attempt whose response goes to the application
  private MeshDeadline meshDeadline;
  boolean meshDeadlineFired;
  String flags = "";
  /** The attempt the application's {@link #isReady()} asks; read from the application's thread. */
  volatile ClientCall<ReqT, RespT> readyCall;
  volatile boolean alwaysReady;

  MeshClientCall(String target, String host, int port, OutboundRouter router, EndpointChannels endpoints,
      MethodDescriptor<ReqT, RespT> method, String path, CallOptions options, MeshManagedChannel channel) {
    this.channel = channel;
    this.path = path;
    this.target = target;
    this.host = host;
    this.port = port;
    this.router = router;
    this.endpoints = endpoints;
    this.method = method;
    this.options = options;
    this.callbacks = ListenerExecutor.of(options.getExecutor());
    this.context = Context.current();
  }

  @Override
  public void start(Listener<RespT> l, Metadata h) {
    boolean counted = channel == null || channel.started(this);
    serial.execute(() -> {
      listener = l;
      headers = h;
      started = true;
      if (!counted) {
        close(MeshManagedChannel.SHUT_DOWN, new Metadata()); // the channel was shut down: no stream
        return;
      }
      if (method.getType() == MethodDescriptor.MethodType.UNARY) {
        alwaysReady = true; // held until the half-close: the message is buffered
      }
      if (cancelled != null) {
        close(cancelled, new Metadata());
        return;
      }
      if (router.ready().isDone()) {
        begin();
      } else {
        router.ready().thenRun(() -> serial.execute(this::begin));
      }
    });
  }

  /** Routes the call: directly to a target the mesh does not know, else into the pipeline. */
  private void begin() {
    if (closed) {
      return;
    }
    GrpcMeshRequest view = new GrpcMeshRequest(target, path, headers);
    routed = router.route(host, port, view);
    if (routed == RoutedCall.PASS_THROUGH) {
      try {
        direct = endpoints.get(host, port).newCall(method, options.withAuthority(target));
      } catch (IllegalStateException e) { // the mesh client was closed while the call was held
        close(Status.UNAVAILABLE.withDescription("mesh client closed").withCause(e), new Metadata());
        return;
      }
      readyCall = direct;
      alwaysReady = false;
      direct.start(channel == null ? listener : new CountedListener<>(listener, channel, this), headers);
      replay(direct);
      return;
    }
    exchange = new MeshExchange("grpc", view, router, host, port, router.listenerName(routed, host, port, target),
        routed, router.chain(routed), this);
    if (routed instanceof RoutedCall.Upstream up) {
      meshDeadline = MeshDeadline.of(options, context, up.route().policies().timeouts());
      if (meshDeadline != null) {
        meshDeadline.arm(() -> serial.execute(this::onMeshDeadline));
      }
    }
    if (method.getType() == MethodDescriptor.MethodType.UNARY) {
      if (!halfClosed) {
        awaitingRequest = true; // the pipeline runs at the half-close, with the whole request
        alwaysReady = true;
        return;
      }
    }
    runPipeline();
  }

  private void runPipeline() {
    awaitingRequest = false;
    if (closed) {
      return;
    }
    exchange.run().whenComplete((r, e) -> serial.execute(() -> onResponseHead(r)));
  }

  /** The route's cap ({@link MeshDeadline}) passed: a committed stream is cancelled, anything else ends now. */
  private void onMeshDeadline() {
    if (closed) {
      return;
    }
    meshDeadlineFired = true;
    if (awaitingRequest) {
      close(meshDeadlineStatus(), flagged(new Metadata(), ResponseFlags.UT));
      return;
    }
    if (committed != null) {
      committed.call.cancel("max_stream_duration reached", null);
      return;
    }
    exchange.interrupt(LocalResponse.of(504, ResponseFlags.UT, "max_stream_duration reached"));
  }

  /** The router's work for this call: the attempts over the endpoint channels. */
  @Override
  public CallScheduler scheduler() {
    return serial;
  }

  /** A unary call's shadows (its one request message is kept); other calls are not mirrored. */
  @Override
  public Object shadowSender() {
    return method.getType() == MethodDescriptor.MethodType.UNARY ? new Shadows() : null;
  }

  /** The router filter is reached: the router's attempts go out over this call's transport. */
  @Override
  public CompletionStage<ExchangeResponse> start(MeshExchange ex, RoutedCall.Upstream up) {
    Prepared p = prepare(up);
    long deadlineNanos = Long.MAX_VALUE;
    Deadline app = p.options.getDeadline();
    if (app != null) {
      deadlineNanos = System.nanoTime() + app.timeRemaining(TimeUnit.NANOSECONDS);
    }
    if (meshDeadline != null) {
      deadlineNanos = Math.min(deadlineNanos, meshDeadline.deadlineNanos());
    }
    io.bowline.runtime.router.timeout.Deadline deadline = deadlineNanos == Long.MAX_VALUE
        ? io.bowline.runtime.router.timeout.Deadline.NONE
        : io.bowline.runtime.router.timeout.Deadline.at(deadlineNanos);
    if (!method.getType().clientSendsOneMessage()) {
      keepMessages = false; // a single request message is kept until the commit: retries and unprocessed replays
    }
    Iterable<String> fwd = p.headers.getAll(FORWARDED_HOST_KEY);
    upstreamCall = new UpstreamCall<>(ex, new GrpcTransport<>(this, p, deadline),
        method.getType().clientSendsOneMessage(), MAX_ATTEMPTS, p.options.getAuthority(),
        fwd == null ? null : String.join(",", fwd));
    return upstreamCall.start();
  }

  /** The request as the route and the filters edited it: method (path), options (authority), metadata. */
  record Prepared(RoutedCall.Upstream up, MethodDescriptor<?, ?> method, CallOptions options, Metadata headers) {}

  private Prepared prepare(RoutedCall.Upstream up) {
    if (prepared != null && prepared.up == up) {
      return prepared;
    }
    MethodDescriptor<ReqT, RespT> m = method;
    CallOptions o = options.withAuthority(target);
    Metadata h = headers;
    if (exchange.edits() != null || up.mutation().changesRequest()) {
      h = new Metadata();
      h.merge(headers);
      if (exchange.edits() != null) {
        Metadata edited = h;
        exchange.edits().forEach((name, values) -> {
          Metadata.Key<String> k = AsciiKeys.of(name);
          edited.removeAll(k);
          values.forEach(v -> edited.put(k, v));
        });
      }
      if (up.mutation().changesRequest()) {
        Edits edits = new Edits(h);
        up.mutation().applyToRequest(exchange, edits);
        if (edits.path != null) {
          m = method.toBuilder().setFullMethodName(edits.path.substring(1)).build();
        }
        if (edits.authority != null) {
          o = options.withAuthority(edits.authority);
        }
      }
    }
    prepared = new Prepared(up, m, o, h);
    return prepared;
  }

  /** The router's result: a committed response head goes to the application, or the call ends. */
  private void onResponseHead(ExchangeResponse r) {
    if (closed) {
      return;
    }
    String all = ResponseFlags.join(exchange.flags(), r.responseFlags());
    if (r instanceof UpstreamResponse<?> u && u.response() instanceof GrpcTransport<?, ?>.Head h0) {
      @SuppressWarnings("unchecked")
      GrpcTransport<ReqT, RespT>.Head head = (GrpcTransport<ReqT, RespT>.Head) h0;
      if (head.status == null) { // headers: the stream goes on
        committed = head.attempt;
        readyCall = committed.call;
        flags = all;
        messages.clear();
        RequestMutation m = ((RoutedCall.Upstream) exchange.routed()).mutation();
        if (m.changesResponse()) {
          m.applyToResponse(new MetadataEditor(head.headers));
        }
        exchange.responded(200, -1, all, false);
        Listener<RespT> l = listener;
        callbacks.execute(() -> l.onHeaders(head.headers));
        committed.committed(); // the messages and the close that waited for this decision
        return;
      }
      Status s = head.status;
      if (meshDeadlineFired && s.getCode() == Status.Code.CANCELLED) {
        s = meshDeadlineStatus();
        all = ResponseFlags.join(all, ResponseFlags.UT);
      } else if (s.getCode() == Status.Code.DEADLINE_EXCEEDED && meshDeadlineFired) {
        all = ResponseFlags.join(all, ResponseFlags.UT);
      }
      exchange.responded(GrpcStatuses.toHttp(s.getCode()), s.getCode().value(), all, false);
      close(s, flagged(head.trailers, all));
      return;
    }
    LocalResponse local = r instanceof LocalResponse l ? l : LocalResponse.of(r.status(), r.responseFlags(), "");
    if (cancelled != null) {
      exchange.responded(499, Status.Code.CANCELLED.value(), all, true);
      close(cancelled, new Metadata());
      return;
    }
    Status s = LocalReplies.status(local);
    exchange.responded(local.status(), s.getCode().value(), all, true);
    close(s, flagged(LocalReplies.trailers(local), all));
  }

  static Status meshDeadlineStatus() {
    return Status.DEADLINE_EXCEEDED.withDescription("mesh local reply: max_stream_duration reached (UT)");
  }

  static Metadata flagged(Metadata trailers, String f) {
    if (!f.isEmpty()) {
      trailers.removeAll(FLAGS_KEY);
      trailers.put(FLAGS_KEY, f);
    }
    return trailers;
  }

  /**
   * Ends the call: the listener's {@code onClose} runs on the call's executor after the callbacks
   * before it, never inside the caller's own call into us and never on another thread that runs
   * the call's scheduler (a blocking stub waits for its executor's tasks).
   */
  void close(Status status, Metadata trailers) {
    if (closed) {
      return;
    }
    closed = true;
    end();
    Listener<RespT> l = listener;
    callbacks.execute(() -> {
      try {
        l.onClose(status, trailers);
      } finally {
        if (channel != null) {
          channel.finished(this);
        }
      }
    });
  }

  /** The application's listener on a call the mesh passes through, which tells the channel when it closes. */
  private static final class CountedListener<RespT> extends io.grpc.ForwardingClientCallListener
      .SimpleForwardingClientCallListener<RespT> {
    private final MeshManagedChannel channel;
    private final MeshClientCall<?, RespT> call;

    CountedListener(Listener<RespT> delegate, MeshManagedChannel channel, MeshClientCall<?, RespT> call) {
      super(delegate);
      this.channel = channel;
      this.call = call;
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      try {
        super.onClose(status, trailers);
      } finally {
        channel.finished(call);
      }
    }
  }

  /** Hands a response message of the committed attempt to the application (on the call's executor). */
  void deliver(RespT message) {
    Listener<RespT> l = listener;
    callbacks.execute(() -> l.onMessage(message));
  }

  /** Tells the application that the call may take more messages (on the call's executor). */
  void ready() {
    Listener<RespT> l = listener;
    callbacks.execute(l::onReady);
  }

  private void end() {
    awaitingRequest = false;
    alwaysReady = false;
    readyCall = null;
    messages.clear();
    if (meshDeadline != null) {
      meshDeadline.disarm();
    }
    if (exchange != null) {
      exchange.complete();
    }
  }

  /** Replays what the application did before the call could start, on {@code c}. */
  void replay(ClientCall<ReqT, RespT> c) {
    if (compression != null) {
      c.setMessageCompression(compression);
    }
    if (requested > 0) {
      c.request(requested);
    }
    for (ReqT m : messages) {
      c.sendMessage(m);
    }
    if (direct != null || !keepMessages) {
      messages.clear();
    }
    if (halfClosed) {
      c.halfClose();
    }
  }

  /** The call that takes the application's calls now, or {@code null} while they are held. */
  private ClientCall<ReqT, RespT> live() {
    if (direct != null) {
      return direct;
    }
    if (committed != null) {
      return committed.call;
    }
    return current == null ? null : current.call;
  }

  @Override
  public void request(int numMessages) {
    serial.execute(() -> {
      requested += numMessages;
      ClientCall<ReqT, RespT> c = live();
      if (c != null) {
        c.request(numMessages);
      }
    });
  }

  @Override
  public void cancel(String message, Throwable cause) {
    serial.execute(() -> {
      if (closed || cancelled != null) {
        return;
      }
      cancelled = Status.CANCELLED.withDescription(message).withCause(cause);
      if (direct != null) {
        direct.cancel(message, cause);
      } else if (!started || exchange == null) {
        if (started) {
          close(cancelled, new Metadata());
        }
      } else if (committed != null) {
        committed.call.cancel(message, cause); // its close ends the call
      } else if (upstreamCall != null) {
        upstreamCall.cancel();
      } else {
        exchange.interrupt(LocalResponse.of(499, "DC", "cancelled"));
        if (awaitingRequest) {
          close(cancelled, new Metadata());
        }
      }
    });
  }

  @Override
  public void halfClose() {
    serial.execute(() -> {
      halfClosed = true;
      if (awaitingRequest) {
        runPipeline();
        return;
      }
      ClientCall<ReqT, RespT> c = live();
      if (c != null) {
        c.halfClose();
      }
    });
  }

  @Override
  public void sendMessage(ReqT message) {
    serial.execute(() -> {
      ClientCall<ReqT, RespT> c = live();
      if (c == null || (keepMessages && committed == null)) {
        messages.add(message);
      }
      if (c != null) {
        c.sendMessage(message);
      }
    });
  }

  @Override
  public boolean isReady() {
    if (alwaysReady) {
      return true; // the request message is buffered until the half-close: a sender must not wait for onReady
    }
    ClientCall<ReqT, RespT> c = readyCall;
    return c != null && c.isReady();
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    serial.execute(() -> {
      compression = enabled;
      ClientCall<ReqT, RespT> c = live();
      if (c != null) {
        c.setMessageCompression(enabled);
      }
    });
  }

  /** Shadows of a unary call, sent with its request message from a mirror thread. */
  private final class Shadows implements ShadowSender {
    // taken on the call's scheduler when the mirror filter asks for the authority, before any hand-off
    private Prepared request;
    private ReqT message;

    @Override
    public String authority() {
      if (!(exchange.routed() instanceof RoutedCall.Upstream up)) {
        return target;
      }
      request = prepare(up);
      message = messages.isEmpty() ? null : messages.get(0);
      return request.options.getAuthority();
    }

    @Override
    @SuppressWarnings("unchecked")
    public Sent send(UpstreamHost h, String authority, boolean attemptCount, long remainingNanos,
        long connectTimeoutMillis) {
      return GrpcShadows.send(endpoints, h, (MethodDescriptor<ReqT, RespT>) request.method, request.headers,
          authority, attemptCount, message, remainingNanos, connectTimeoutMillis);
    }

    @Override
    public boolean connectFailure(Exception failure) {
      return false; // grpc-java's channel backs off an unreachable endpoint itself
    }
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
