package io.bowline.runtime.adapter.okhttp;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import io.bowline.runtime.router.timeout.DeadlineWatchdog;
import okhttp3.Connection;
import okhttp3.Interceptor;
import okhttp3.Protocol;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The mesh's network interceptor: hides from OkHttp's follow-ups what the mesh follows up itself
 * ({@link FollowUps}), and enforces an attempt's {@link ExchangeDeadline} on the exchange. Until the
 * response headers arrive, the {@link DeadlineWatchdog} closes the connection's socket at the
 * deadline (an application interceptor cannot reach the exchange, and cancelling the call would
 * end it instead of letting the attempt loop retry or answer 504); the attempt then fails with a
 * timeout. For the body, the stream deadline is set on the response body source's okio
 * {@code Timeout}, which OkHttp applies to every read of that body and clears when the body ends,
 * so a body still arriving at the deadline fails with a {@code SocketTimeoutException} (Envoy
 * resets the stream then). When the attempt runs with OkHttp's read timeout off (HTTP/1.1, see
 * {@link OkHttpTransport}), the body is wrapped in a {@link DeadlineBody} instead, which bounds each
 * read on the watchdog: okio's timeouts wake okio's watchdog thread on every read.
 *
 * <p>A TLS attempt is an OkHttp call of its own on the handle's derived client ({@link TlsClients}): there the
 * watchdog cancels that call instead, on HTTP/1.1 and HTTP/2 alike, since cancelling it ends the attempt and
 * nothing else, and the network interceptor ends the bound on getting the connection (TLS handshake included, see
 * {@link ExchangeDeadline#boundConnect}).
 *
 * <p>HTTP/2 connections carry other streams, so their socket is never closed here: before the
 * headers, OkHttp's read timeout (shortened to the attempt's headers timeout by
 * {@link OkHttpTransport}) bounds the stream's wait and resets only that stream; after them, the
 * body deadline applies as on HTTP/1.
 */
final class ExchangeDeadlineInterceptor implements Interceptor {

  @Override
  public Response intercept(Chain chain) throws IOException {
    Response response = bounded(chain);
    return chain.request().tag(FollowUps.MeshAttempt.class) == null ? response : FollowUps.hide(response);
  }

  private Response bounded(Chain chain) throws IOException {
    ExchangeDeadline d = chain.request().tag(ExchangeDeadline.class);
    Connection connection = chain.connection();
    if (d == null || connection == null) {
      return chain.proceed(chain.request());
    }
    d.connected();
    long headersDeadline = d.headersDeadline(System.nanoTime());
    DeadlineWatchdog.Armed closer = null;
    boolean http2 = connection.protocol() == Protocol.HTTP_2 || connection.protocol() == Protocol.H2_PRIOR_KNOWLEDGE;
    Runnable cut = d.cutByCancel() ? new CallCanceller(chain.call(), d)
        : http2 ? null : new SocketCloser(connection.socket(), d);
    if (headersDeadline != ExchangeDeadline.NONE && cut != null) {
      closer = DeadlineWatchdog.get().arm(headersDeadline, cut);
    }
    Response response;
    try {
      response = chain.proceed(chain.request());
    } catch (IOException e) {
      if (closer != null && closer.disarm()) {
        throw d.timeout(e);
      }
      throw e;
    }
    if (closer != null && closer.disarm()) {
      response.close();
      throw d.timeout(null);
    }
    ResponseBody body = response.body();
    if (d.watchdogBoundsTheBody() && cut != null) {
      long readNanos = d.bodyReadTimeoutMillis() > 0 ? TimeUnit.MILLISECONDS.toNanos(d.bodyReadTimeoutMillis()) : ExchangeDeadline.NONE;
      if (body == null || (readNanos == ExchangeDeadline.NONE && d.streamDeadline() == ExchangeDeadline.NONE)) {
        return response;
      }
      return response.newBuilder().body(new DeadlineBody(body, cut, d, readNanos)).build();
    }
    if (body != null && d.bodyReadTimeoutMillis() >= 0) { // the headers bound is over: the client's own read timeout again
      body.source().timeout().timeout(d.bodyReadTimeoutMillis(), TimeUnit.MILLISECONDS);
    }
    if (d.streamDeadline() != ExchangeDeadline.NONE && body != null) {
      body.source().timeout().deadlineNanoTime(d.streamDeadline());
    }
    return response;
  }

  /**
   * Cancels an attempt that is a call of its own (see {@link ExchangeDeadline#cancelsCall()}) when a deadline passes,
   * marking it as cut by the deadline: the socket of an HTTP/1.1 exchange is closed, an HTTP/2 stream is reset.
   */
  record CallCanceller(okhttp3.Call call, ExchangeDeadline deadline) implements Runnable {
    @Override
    public void run() {
      deadline.expire();
      call.cancel();
    }
  }

  /** Closes the exchange's socket when a deadline passes, marking the attempt as cut by it. */
  record SocketCloser(Socket socket, ExchangeDeadline deadline) implements Runnable {
    @Override
    public void run() {
      deadline.expire();
      try {
        socket.close();
      } catch (IOException e) {
        // already closed: the attempt fails either way
      }
    }
  }
}
