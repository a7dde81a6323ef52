package io.bowline.runtime.okhttp;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import io.bowline.runtime.resilience.timeout.DeadlineWatchdog;
import okhttp3.Connection;
import okhttp3.Interceptor;
import okhttp3.Protocol;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Network interceptor enforcing an attempt's {@link ExchangeDeadline} on the exchange. Until the
 * response headers arrive, the {@link DeadlineWatchdog} closes the connection's socket at the
 * deadline (an application interceptor cannot reach the exchange, and cancelling the call would
 * end it instead of letting the attempt loop retry or answer 504); the attempt then fails with a
 * timeout. For the body, the stream deadline is set on the response body source's okio
 * {@code Timeout}, which OkHttp applies to every read of that body and clears when the body ends,
 * so a body still arriving at the deadline fails with a {@code SocketTimeoutException} (Envoy
 * resets the stream then).
 *
 * <p>HTTP/2 connections carry other streams, so their socket is never closed here: before the
 * headers, OkHttp's read timeout (shortened to the attempt's headers timeout by
 * {@link OkHttpTransport}) bounds the stream's wait and resets only that stream; after them, the
 * body deadline applies as on HTTP/1.
 */
final class ExchangeDeadlineInterceptor implements Interceptor {

  @Override
  public Response intercept(Chain chain) throws IOException {
    ExchangeDeadline d = chain.request().tag(ExchangeDeadline.class);
    Connection connection = chain.connection();
    if (d == null || connection == null) {
      return chain.proceed(chain.request());
    }
    long headersDeadline = d.headersDeadline(System.nanoTime());
    DeadlineWatchdog.Armed closer = null;
    if (headersDeadline != ExchangeDeadline.NONE && connection.protocol() != Protocol.HTTP_2
        && connection.protocol() != Protocol.H2_PRIOR_KNOWLEDGE) {
      closer = DeadlineWatchdog.get().arm(headersDeadline, new SocketCloser(connection.socket(), d));
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
    if (body != null && d.bodyReadTimeoutMillis() >= 0) { // the headers bound is over: the client's own read timeout again
      body.source().timeout().timeout(d.bodyReadTimeoutMillis(), TimeUnit.MILLISECONDS);
    }
    if (d.streamDeadline() != ExchangeDeadline.NONE && body != null) {
      body.source().timeout().deadlineNanoTime(d.streamDeadline());
    }
    return response;
  }

  /** Closes the exchange's socket when the headers deadline passes. */
  private record SocketCloser(Socket socket, ExchangeDeadline deadline) implements Runnable {
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
