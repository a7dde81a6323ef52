package io.bowline.runtime.adapter.okhttp;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import io.bowline.runtime.router.timeout.DeadlineWatchdog;
import okhttp3.Connection;
import okhttp3.Interceptor;
import okhttp3.Protocol;
import okhttp3.Request;
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
 * {@link OkHttpAttempts}), the body's reads are bounded on the watchdog instead (okio's timeouts wake okio's
 * watchdog thread on every read): the limits record it ({@link ExchangeDeadline#boundBody}), and the
 * caller's response, which the mesh builds anyway, gets the body wrapped in a {@link CallerBody}, so that the
 * response is not copied here as well.
 *
 * <p>A TLS attempt is an OkHttp call of its own on the handle's derived client ({@link TlsClients}): there the
 * watchdog cancels that call instead, on HTTP/1.1 and HTTP/2 alike, since cancelling it ends the attempt and
 * nothing else, and the network interceptor ends the bound on getting the connection (TLS handshake included, see
 * {@link ExchangeDeadline#boundConnect}).
 *
 * <p>HTTP/2 connections carry other streams, so their socket is never closed here: before the
 * headers, OkHttp's read timeout (shortened to the attempt's headers timeout by
 * {@link OkHttpAttempts}) bounds the stream's wait and resets only that stream; after them, the
 * body deadline applies as on HTTP/1.
 */
final class ExchangeDeadlineInterceptor implements Interceptor {

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    ExchangeDeadline d = request.tag(OkHttpAttempts.LIMITS); // a mesh attempt's one tag, when it has limits
    if (d == null && request.tag(OkHttpAttempts.MESH_ATTEMPT) == null) {
      return chain.proceed(request); // not a mesh attempt
    }
    return FollowUps.hide(bounded(chain, request, d));
  }

  private Response bounded(Chain chain, Request request, ExchangeDeadline d) throws IOException {
    Connection connection = chain.connection();
    if (d == null || connection == null) {
      return chain.proceed(request);
    }
    d.connected();
    long headersDeadline = d.headersDeadline(System.nanoTime());
    DeadlineWatchdog.Armed closer = null;
    boolean http2 = connection.protocol() == Protocol.HTTP_2 || connection.protocol() == Protocol.H2_PRIOR_KNOWLEDGE;
    boolean cuts = d.cutByCancel() || !http2; // an HTTP/2 socket carries other streams: never closed here
    if (cuts) {
      d.cuts(d.cutByCancel() ? chain.call() : connection.socket());
    }
    if (headersDeadline != ExchangeDeadline.NONE && cuts) {
      closer = DeadlineWatchdog.get().arm(headersDeadline, d);
    }
    Response response;
    try {
      response = chain.proceed(request);
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
    if (d.watchdogBoundsTheBody() && cuts) {
      if (body != null && (d.bodyReadNanos() != ExchangeDeadline.NONE || d.streamDeadline() != ExchangeDeadline.NONE)) {
        // the caller's response, which the mesh builds anyway, gets the bounded body (CallerBody): no copy here
        d.boundBody();
      }
      return response;
    }
    if (body != null && d.bodyReadTimeoutMillis() >= 0) { // the headers bound is over: the client's own read timeout again
      body.source().timeout().timeout(d.bodyReadTimeoutMillis(), TimeUnit.MILLISECONDS);
    }
    if (d.streamDeadline() != ExchangeDeadline.NONE && body != null) {
      body.source().timeout().deadlineNanoTime(d.streamDeadline());
    }
    return response;
  }
}
