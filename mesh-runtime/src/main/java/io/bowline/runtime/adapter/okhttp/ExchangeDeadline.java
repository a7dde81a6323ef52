package io.bowline.runtime.adapter.okhttp;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import io.bowline.runtime.router.timeout.DeadlineWatchdog;
import okhttp3.Call;
import okhttp3.Response;

/**
 * The time limits of one attempt, attached to the attempt's request as a tag and enforced on the
 * exchange by {@link ExchangeDeadlineInterceptor}:
 * <ul>
 *   <li>until the response headers arrive: {@code per_try_timeout} (counted from when the
 *       connection is obtained) and the stream deadline, whichever comes first;
 *   <li>after the headers, until the response body ends: the stream deadline only (Envoy's route
 *       timeout runs until the upstream response is complete; {@code per_try_timeout} stops at the
 *       headers).
 * </ul>
 * Unlike OkHttp's read timeout, which bounds each read, these are deadlines: an upstream that
 * trickles bytes cannot outlast them.
 */
final class ExchangeDeadline implements Runnable {
  /** No deadline. */
  static final long NONE = Long.MAX_VALUE;

  private final long headersTimeoutNanos;
  private final long streamDeadlineNanos;
  private volatile boolean expired;
  private long bodyReadTimeoutMillis = -1;
  private boolean okioTimeoutsOff;
  private boolean cancelsCall;
  private DeadlineWatchdog.Armed connectBound;
  private volatile boolean connectExpired;
  // what the watchdog cuts at a deadline (see run): the exchange's socket, or the attempt's own call
  private Object cutTarget;
  private boolean bodyBounded; // the watchdog bounds the body's reads (see boundBody)
  private Response response; // the response (as the caller's interceptor got it) whose body is bounded

  /**
   * @param headersTimeoutNanos how long the headers may take once connected ({@code per_try_timeout}
   *     or the route timeout's remainder, the smaller), or {@link #NONE}
   * @param streamDeadlineNanos the {@code System.nanoTime()} by which the whole response must have
   *     been received (route timeout or {@code max_stream_duration}), or {@link #NONE}
   */
  ExchangeDeadline(long headersTimeoutNanos, long streamDeadlineNanos) {
    this.headersTimeoutNanos = headersTimeoutNanos;
    this.streamDeadlineNanos = streamDeadlineNanos;
  }

  /** When the headers must have arrived, counted from {@code nowNanos} (connected); {@link #NONE} for never. */
  long headersDeadline(long nowNanos) {
    long perTry = headersTimeoutNanos == NONE ? NONE : nowNanos + headersTimeoutNanos;
    return Math.min(perTry, streamDeadlineNanos);
  }

  long streamDeadline() {
    return streamDeadlineNanos;
  }

  /**
   * Records that the attempt runs with OkHttp's read timeout shortened to its headers timeout (the
   * HTTP/2 bound, see {@link OkHttpAttempts}), and the client's own read timeout ({@code 0} for
   * none) to put back on the body once the headers have arrived.
   */
  void restoreBodyReadTimeout(long clientReadTimeoutMillis) {
    bodyReadTimeoutMillis = clientReadTimeoutMillis;
  }

  /**
   * Records that the exchange runs with OkHttp's read timeout off (HTTP/1.1, see
   * {@link OkHttpAttempts}): the body's reads are then bounded by {@link CallerBody} on the
   * watchdog, with {@link #bodyReadTimeoutMillis()} as each read's limit, instead of by okio.
   */
  void okioTimeoutsOff() {
    okioTimeoutsOff = true;
  }

  /** Whether {@link #okioTimeoutsOff()} was called. */
  boolean watchdogBoundsTheBody() {
    return okioTimeoutsOff;
  }

  /**
   * Records that the attempt is an OkHttp call of its own (a TLS attempt on the handle's derived client, see
   * {@link TlsClients}), which the watchdog cuts by cancelling that call whatever ALPN chose: on HTTP/1.1 that closes
   * the socket, on HTTP/2 it resets only the attempt's stream. The exchange then runs with okio's timeouts off on
   * either protocol.
   */
  void cancelsCall() {
    cancelsCall = true;
    okioTimeoutsOff = true;
  }

  /** Whether {@link #cancelsCall()} was called. */
  boolean cutByCancel() {
    return cancelsCall;
  }

  /**
   * Bounds getting a connection, the TLS handshake included, by {@code connectTimeoutMillis} (Envoy's
   * {@code connect_timeout} runs until the transport socket is connected, handshake included): OkHttp bounds the TCP
   * connect itself, but the handshake only by the read timeout, which a {@link #cancelsCall()} attempt runs without.
   * At the bound {@code call} is cancelled and {@link #connectExpired()} is set. Ended by {@link #connected()}.
   *
   * @param call the attempt's own call
   * @param connectTimeoutMillis the attempt's connect timeout, ms; 0 for none
   */
  void boundConnect(Call call, int connectTimeoutMillis) {
    if (connectTimeoutMillis > 0) {
      connectBound = DeadlineWatchdog.get().arm(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(connectTimeoutMillis),
          () -> {
            connectExpired = true;
            call.cancel();
          });
    }
  }

  /** The attempt has its connection (or gave up getting one): the {@link #boundConnect} bound is over. */
  void connected() {
    DeadlineWatchdog.Armed bound = connectBound;
    if (bound != null) {
      connectBound = null;
      bound.disarm();
    }
  }

  /** Whether {@link #boundConnect}'s bound cut the attempt before it had a connection. */
  boolean connectExpired() {
    return connectExpired;
  }

  /** The failure to report for an attempt whose connection was not ready within its connect timeout: {@code UF}. */
  SocketTimeoutException connectTimeout(IOException cause) {
    SocketTimeoutException e = new SocketTimeoutException("connect timed out: no TLS connection within connect_timeout");
    e.initCause(cause);
    return e;
  }

  /**
   * Sets what the watchdog cuts at a deadline ({@link #run()}, the action these limits arm): the exchange's
   * {@link Socket} (HTTP/1.1), or the attempt's own {@link Call} ({@link #cutByCancel()}). One object per attempt
   * for both its limits and the action that enforces them.
   */
  void cuts(Object socketOrCall) {
    this.cutTarget = socketOrCall;
  }

  /**
   * A deadline passed: marks the attempt as cut by it and closes the exchange's socket, or cancels the attempt's own
   * call (an HTTP/1.1 socket is closed, an HTTP/2 stream reset). Runs on the watchdog thread.
   */
  @Override
  public void run() {
    expire();
    Object target = cutTarget;
    if (target instanceof Call call) {
      call.cancel();
    } else if (target instanceof Socket socket) {
      try {
        socket.close();
      } catch (IOException e) {
        // already closed: the attempt fails either way
      }
    }
  }

  /**
   * Records that the response's body is to be read under these limits on the watchdog ({@link CallerBody}): okio's
   * timeouts are off ({@link #watchdogBoundsTheBody()}), and the body has a route deadline or a read timeout.
   */
  void boundBody() {
    this.bodyBounded = true;
  }

  /** Whether the watchdog bounds the body's reads ({@link #boundBody()}): this is then the action it arms. */
  boolean bodyBounded() {
    return bodyBounded;
  }

  /** The longest one read of the body may block, ns, or {@link #NONE}. */
  long bodyReadNanos() {
    return bodyReadTimeoutMillis > 0 ? TimeUnit.MILLISECONDS.toNanos(bodyReadTimeoutMillis) : NONE;
  }

  /** Records the response, as the attempt returned it, whose body these limits bound. */
  void response(Response r) {
    this.response = r;
  }

  /** The response whose body these limits bound ({@link #response(Response)}), or {@code null}. */
  Response response() {
    return response;
  }

  /** The read timeout to put back on the body, ms, or -1 when the attempt did not shorten it. */
  long bodyReadTimeoutMillis() {
    return bodyReadTimeoutMillis;
  }

  /** Marks the attempt as cut by its deadline. */
  void expire() {
    expired = true;
  }

  /** Whether the attempt was cut by its deadline. */
  boolean expired() {
    return expired;
  }

  /**
   * The failure to report for an attempt cut by its deadline: a {@link SocketTimeoutException}
   * (which the attempt loop classifies as a timeout, not a reset) with {@code cause} attached.
   */
  SocketTimeoutException timeout(IOException cause) {
    SocketTimeoutException e = new SocketTimeoutException("upstream request timeout: no complete response in time");
    e.initCause(cause);
    return e;
  }
}
