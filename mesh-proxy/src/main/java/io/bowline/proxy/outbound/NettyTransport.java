package io.bowline.proxy.outbound;

import io.bowline.api.filter.ExchangeResponse;
import io.bowline.runtime.router.UpstreamTransport;
import io.bowline.runtime.upstream.Outcome;
import io.bowline.proxy.http1.Http1Response;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import java.util.List;

/**
 * The proxy's {@link UpstreamTransport}: each of the router's attempts is one request on a pooled
 * HTTP/1.1 connection or an HTTP/2 stream (the cluster's upstream protocol) of the downstream
 * connection's event loop ({@link AttemptIo}), sent to the
 * chosen endpoint with the attempt's {@code Host}, {@code x-forwarded-host} and
 * {@code x-envoy-attempt-count}. The attempt's timeout bounds the wait for the response head; the
 * attempt is over for the router at its head (retries decide on the status, as with OkHttp's
 * transport), and the body streams to the downstream once the router commits to it.
 */
final class NettyTransport implements UpstreamTransport<AttemptIo>, AttemptIo.Result {
  static final String ATTEMPT_COUNT = "x-envoy-attempt-count";

  private final OutboundExchange owner;
  private final long deadlineNanos;

  /**
   * @param owner the exchange
   * @param deadlineNanos the route timeout's deadline ({@code Deadline.nanosAfter}), {@link Long#MAX_VALUE} for none
   */
  NettyTransport(OutboundExchange owner, long deadlineNanos) {
    this.owner = owner;
    this.deadlineNanos = deadlineNanos;
  }

  @Override
  public long deadlineNanos() {
    return deadlineNanos;
  }

  /** Attempts to a TLS cluster go out over TLS with the attempt's handle (connections pooled per handle). */
  @Override
  public boolean originatesTls() {
    return true;
  }

  @Override
  public InFlight send(Attempt a, Callbacks<AttemptIo> callbacks) {
    long connect = a.timeoutMillis() > 0 ? Math.min(a.connectTimeoutMillis(), a.timeoutMillis()) : a.connectTimeoutMillis();
    AttemptIo io = owner.attempt(owner.clusterKey(a.host().endpoint().address(), a.host().endpoint().port(), a.tls()),
        a.authority(), a.forwardedHost(), a.attemptCount() ? a.number() : 0, (int) Math.min(Integer.MAX_VALUE, connect),
        this);
    io.callbacks(callbacks); // the attempt keeps its own: a late answer of an earlier attempt goes to that one's
    io.start(a.timeoutMillis());
    return io;
  }

  @Override
  public void onHead(AttemptIo attempt, HttpResponse head) {
    // the attempt is decided at its response head, as OkHttp's transport reports it: the router may retry on the
    // status (Envoy's router does, discarding the body) and the request leaves the circuit breaker and the host's
    // active count there
    attempt.callbacks().onResponse(attempt, true);
  }

  @Override
  public void onFailure(AttemptIo attempt, Exception failure, Outcome outcome) {
    attempt.callbacks().onFailure(failure, outcome);
  }

  @Override
  public Outcome outcome(AttemptIo io) {
    if (io.head() instanceof Http1Response raw) {
      return Outcome.response(raw.code(), io); // the attempt is its response's header lookup
    }
    HttpHeaders h = io.head().headers();
    return Outcome.response(io.head().status().code(), name -> {
      List<String> values = h.getAll(name);
      return values.isEmpty() ? null : values.size() == 1 ? values.get(0) : String.join(",", values);
    });
  }

  @Override
  public void discard(AttemptIo io) {
    io.abandon();
  }

  @Override
  public void answered(ExchangeResponse response) {
    owner.callAnswered(response);
  }
}
