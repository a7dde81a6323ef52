package io.bowline.runtime.adapter.okhttp;

import io.bowline.runtime.filter.mirror.ShadowSender;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import io.bowline.runtime.lifecycle.SharedRuntime;
import io.bowline.runtime.upstream.Outcome;
import io.bowline.runtime.filter.mirror.MirrorExecutor;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Buffer;
import okio.BufferedSink;
import okio.ForwardingSink;
import okio.Okio;

/**
 * How the OkHttp adapter sends shadows for the mirror filter: through their own small OkHttp client
 * (the caller's client is not reachable from an interceptor), so they share neither the caller's
 * pool nor its dispatcher. It has no fast fallback: mesh endpoints are single IP addresses, so
 * racing connects buys nothing, and each refused connect would otherwise also wake an OkHttp
 * TaskRunner thread.
 */
final class OkHttpShadows {
  /** Shared by the mesh clients of the process; its idle connections are closed after the last one closes. */
  private static final SharedRuntime.Service<OkHttpClient> SHADOW_CLIENT = SharedRuntime.service(
      "shadow HTTP client", OkHttpShadows::shadowClient, c -> c.connectionPool().evictAll());

  private static OkHttpClient shadowClient() {
    return new OkHttpClient.Builder()
        .connectionPool(new ConnectionPool(MirrorExecutor.MAX_IN_FLIGHT, 1, TimeUnit.MINUTES))
        .dispatcher(new Dispatcher())
        .connectTimeout(Duration.ofSeconds(5))
        .readTimeout(Duration.ofSeconds(15))
        .callTimeout(Duration.ofSeconds(30))
        .retryOnConnectionFailure(false)
        .fastFallback(false)
        .build();
  }

  private OkHttpShadows() {}

  /** Sends {@code request} (as the route rewrote it) as a shadow to {@code host}, within {@code remainingNanos}. */
  static ShadowSender.Sent send(Request request, UpstreamHost host, String authority, boolean attemptCount,
      long remainingNanos) throws IOException {
    CountingBody body = request.body() == null ? null : new CountingBody(request.body());
    Request.Builder b = OkHttpAttempts.attemptBuilder(request, host, authority);
    if (body != null) {
      b.method(request.method(), body);
    }
    if (attemptCount) {
      b.header(OkHttpAttempts.ATTEMPT_COUNT, "1");
    }
    okhttp3.Call call = SHADOW_CLIENT.get().newCall(b.build());
    if (remainingNanos != Long.MAX_VALUE) {
      call.timeout().timeout(remainingNanos, TimeUnit.NANOSECONDS);
    }
    try (Response response = call.execute()) {
      return new ShadowSender.Sent(response.code(), body == null ? 0 : body.written);
    }
  }

  /** Whether an OkHttp failure was a failed connect. */
  static boolean connectFailure(Exception failure) {
    return OkHttpAttempts.outcomeOf(failure) == Outcome.CONNECT_FAILURE;
  }

  /** A request body that counts the bytes it writes (the shadow's mirrored bytes). */
  private static final class CountingBody extends RequestBody {
    private final RequestBody delegate;
    long written;

    CountingBody(RequestBody delegate) {
      this.delegate = delegate;
    }

    @Override
    public MediaType contentType() {
      return delegate.contentType();
    }

    @Override
    public long contentLength() throws IOException {
      return delegate.contentLength();
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      BufferedSink counting = Okio.buffer(new ForwardingSink(sink) {
        @Override
        public void write(Buffer source, long byteCount) throws IOException {
          super.write(source, byteCount);
          written += byteCount;
        }
      });
      delegate.writeTo(counting);
      counting.emit();
    }
  }
}
