package io.bowline.runtime.adapter.grpc;

import com.google.protobuf.MessageLite;
import java.util.ArrayDeque;
import io.bowline.runtime.upstream.Outcome;
import io.bowline.runtime.pipeline.ResponseFlags;
import io.bowline.runtime.router.UpstreamTransport;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC adapter's {@link UpstreamTransport}: each of the router's attempts is one call on the
 * endpoint's pooled channel, started with the request as the route and the filters edited it, the
 * attempt's {@code :authority} and headers, and {@code per_try_timeout} as its deadline; what the
 * application did before it started is replayed on it. Its first event (response headers, or a
 * close) goes to the router; after the router commits to it, its events go to the application.
 * Every event runs on the call's scheduler. The messages and the close that arrive while the
 * router (and the filters after it, possibly on threads of their own) has not yet decided on the
 * head wait in the attempt until the decision: delivered after the head when the call commits to
 * the attempt, dropped when it is discarded.
 */
final class GrpcTransport<ReqT, RespT> implements UpstreamTransport<GrpcTransport<ReqT, RespT>.Head> {

  private final MeshClientCall<ReqT, RespT> owner;
  private final MeshClientCall.Prepared p;
  private final io.bowline.runtime.router.timeout.Deadline deadline;

  /**
   * @param owner the call
   * @param p the request as the route and the filters edited it
   * @param deadline the call's deadline: the caller's and the route's cap, whichever is earlier
   */
  GrpcTransport(MeshClientCall<ReqT, RespT> owner, MeshClientCall.Prepared p,
      io.bowline.runtime.router.timeout.Deadline deadline) {
    this.owner = owner;
    this.p = p;
    this.deadline = deadline;
  }

  @Override
  public boolean originatesTls() {
    return true;
  }

  @Override
  public long deadlineNanos() {
    return deadline.nanosOrUnbounded();
  }

  @Override
  @SuppressWarnings("unchecked")
  public InFlight send(UpstreamTransport.Attempt a, Callbacks<Head> callbacks) {
    CallOptions o = p.options();
    if (!a.authority().equals(o.getAuthority())) {
      o = o.withAuthority(a.authority());
    }
    if (a.perTryTimeoutMillis() > 0) {
      Deadline perTry = Deadline.after(a.perTryTimeoutMillis(), TimeUnit.MILLISECONDS);
      if (o.getDeadline() == null || perTry.isBefore(o.getDeadline())) {
        o = o.withDeadline(perTry);
      }
    }
    ClientCall<ReqT, RespT> c = owner.endpoints.get(a.host().endpoint().address(), a.host().endpoint().port(),
        a.connectTimeoutMillis(), a.tls()).newCall((MethodDescriptor<ReqT, RespT>) p.method(), o);
    AttemptListener attempt = new AttemptListener(c, callbacks);
    owner.current = attempt;
    owner.readyCall = c;
    owner.alwaysReady = false;
    c.start(attempt, attemptHeaders(a));
    owner.replay(c);
    return () -> c.cancel("mesh: attempt cancelled", null);
  }

  /**
   * The metadata to start an attempt with. The first attempt takes the caller's own (as a direct
   * call would); a retry, or an attempt that carries {@code x-envoy-attempt-count} or a changed
   * {@code x-forwarded-host}, gets a copy, so the caller's metadata never holds them.
   */
  private Metadata attemptHeaders(UpstreamTransport.Attempt a) {
    if (a.number() == 1 && !a.attemptCount() && a.forwardedHost() == null) {
      return p.headers();
    }
    Metadata h = new Metadata();
    h.merge(p.headers());
    if (a.attemptCount()) {
      h.removeAll(MeshClientCall.ATTEMPT_COUNT_KEY); // Envoy sets the header: the caller's own value is replaced
      h.put(MeshClientCall.ATTEMPT_COUNT_KEY, Integer.toString(a.number()));
    }
    if (a.forwardedHost() != null) {
      h.removeAll(MeshClientCall.FORWARDED_HOST_KEY);
      h.put(MeshClientCall.FORWARDED_HOST_KEY, a.forwardedHost());
    }
    return h;
  }

  /**
   * A trailers-only response carries the gRPC status (Envoy retries on it, spec §4.2); a status
   * the client library made up from a transport failure (it has a cause) is a reset or connect
   * failure; a per-try deadline is {@code PER_TRY_TIMEOUT}.
   */
  @Override
  public Outcome outcome(Head head) {
    if (head.status == null) {
      return Outcome.response(200, -1, Outcome.Headers.NONE);
    }
    Status.Code code = head.status.getCode();
    if (code == Status.Code.DEADLINE_EXCEEDED && !owner.meshDeadlineFired) {
      Deadline d = p.options().getDeadline();
      if (d == null || !d.isExpired()) {
        return Outcome.PER_TRY_TIMEOUT;
      }
    }
    if (head.status.getCause() != null) {
      return isConnectFailure(head.status.getCause()) ? Outcome.CONNECT_FAILURE : Outcome.RESET;
    }
    Metadata trailers = head.trailers;
    Outcome.Headers lookup = name -> {
      if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        return null;
      }
      Iterable<String> values = trailers.getAll(AsciiKeys.of(name));
      return values == null ? null : String.join(",", values);
    };
    return Outcome.response(GrpcStatuses.toHttp(code), code.value(), lookup);
  }

  @Override
  public void discard(Head head) {
    head.attempt.discard();
    if (head.status == null) {
      head.attempt.call.cancel("mesh: response discarded", null);
    }
  }
  /**
   * An attempt's first event for the router: its response headers ({@code status == null}; the
   * stream goes on) or its close (a trailers-only response or a failure).
   */
  final class Head {
    final AttemptListener attempt;
    final Metadata headers;
    final Status status;
    final Metadata trailers;

    Head(AttemptListener attempt, Metadata headers, Status status, Metadata trailers) {
      this.attempt = attempt;
      this.headers = headers;
      this.status = status;
      this.trailers = trailers;
    }
  }


  private static boolean isHandshakeFailure(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof javax.net.ssl.SSLHandshakeException) {
        return true;
      }
    }
    return false;
  }

  private static boolean isConnectFailure(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        return true;
      }
    }
    return false;
  }

  /** One attempt's listener: its events run on the call's scheduler. */
  final class AttemptListener extends ClientCall.Listener<RespT> {
    final ClientCall<ReqT, RespT> call;
    private final UpstreamTransport.Callbacks<Head> callbacks;
    private boolean responded;
    private boolean discarded; // the router will not return this attempt's response (serial scheduler only)
    // what arrived after the head before the decision (serial scheduler only); made on first need
    private ArrayDeque<RespT> heldMessages;
    private Status heldStatus;
    private Metadata heldTrailers;

    AttemptListener(ClientCall<ReqT, RespT> call, UpstreamTransport.Callbacks<Head> callbacks) {
      this.call = call;
      this.callbacks = callbacks;
    }

    /**
     * Runs an event on the call's scheduler. grpc-java runs this attempt's listener on the call's executor, the
     * application's: the application's callbacks this event gives may run here at once ({@link ListenerExecutor#enter}).
     */
    private void onCallExecutor(Runnable event) {
      boolean entered = owner.callbacks.enter();
      try {
        owner.serial.execute(event);
      } finally {
        owner.callbacks.exit(entered);
      }
    }

    @Override
    public void onHeaders(Metadata h) {
      onCallExecutor(() -> {
        if (!responded) {
          responded = true;
          if (owner.current == this) {
            owner.current = null;
          }
          callbacks.onResponse(new Head(this, h, null, null), false);
        }
      });
    }

    /**
     * Whether this attempt's response head is with the router, which has not yet committed to it or
     * discarded it: the events after the head then wait in this attempt for the decision (they can
     * reach the scheduler before it when another thread is draining it, or when a filter decides on
     * a thread of its own), never dropped.
     */
    private boolean awaitingDecision() {
      return responded && owner.committed != this && !discarded && !owner.closed;
    }

    @Override
    public void onMessage(RespT message) {
      onCallExecutor(() -> {
        if (awaitingDecision()) {
          if (heldMessages == null) {
            heldMessages = new ArrayDeque<>(2);
          }
          heldMessages.add(message);
        } else {
          deliver(message);
        }
      });
    }

    /**
     * The call committed to this attempt (its head went to the application): what waited for the
     * decision follows, in the order it arrived.
     */
    void committed() {
      ArrayDeque<RespT> messages = heldMessages;
      heldMessages = null;
      if (messages != null) {
        for (RespT m : messages) {
          deliver(m);
        }
      }
      Status s = heldStatus;
      if (s != null) {
        Metadata t = heldTrailers;
        heldStatus = null;
        heldTrailers = null;
        closed(s, t);
      }
    }

    /** The router discarded this attempt's response: what waited for the decision is dropped. */
    void discard() {
      discarded = true;
      heldMessages = null;
      heldStatus = null;
      heldTrailers = null;
    }

    private void deliver(RespT message) {
      if (owner.committed == this && !owner.closed) {
        if (owner.exchange.observed() && message instanceof MessageLite m) {
          owner.exchange.addResponseBodyBytes(m.getSerializedSize());
        }
        owner.deliver(message);
      }
    }

    @Override
    public void onReady() {
      onCallExecutor(() -> {
        if ((owner.committed == this || owner.current == this) && !owner.closed) {
          owner.ready();
        }
      });
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      onCallExecutor(() -> {
        if (awaitingDecision()) {
          heldStatus = status;
          heldTrailers = trailers;
        } else {
          closed(status, trailers);
        }
      });
    }

    private void closed(Status status, Metadata trailers) {
      if (!responded) {
        responded = true;
        if (owner.current == this) {
          owner.current = null;
        }
        if (isHandshakeFailure(status.getCause())) {
          // the TLS handshake failed: a connect failure (UF) whose local reply says why, as for every transport
          callbacks.onFailure(status.asException(), Outcome.CONNECT_FAILURE);
          return;
        }
        if (UnprocessedStreams.unprocessed(status, trailers)) {
          // refused before the upstream processed it: the router replays it (gRFC A6), else it is refused-stream
          callbacks.onFailure(status.asException(), Outcome.UNPROCESSED);
          return;
        }
        callbacks.onResponse(new Head(this, null, status, trailers), true);
        return;
      }
      if (owner.committed != this) {
        return;
      }
      Status s = status;
      String all = owner.flags;
      if (owner.meshDeadlineFired && s.getCode() == Status.Code.CANCELLED) {
        s = owner.meshDeadlineStatus();
        all = ResponseFlags.join(all, ResponseFlags.UT);
      } else if (owner.meshDeadlineFired && s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
        all = ResponseFlags.join(all, ResponseFlags.UT);
      }
      owner.upstreamCall.streamEnded(Outcome.response(GrpcStatuses.toHttp(s.getCode()), s.getCode().value(),
          Outcome.Headers.NONE));
      owner.exchange.closed(GrpcStatuses.toHttp(s.getCode()), s.getCode().value(), all);
      owner.close(s, owner.flagged(trailers, all));
    }
  }
}
