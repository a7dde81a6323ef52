package io.bowline.runtime.adapter.okhttp;

import io.bowline.runtime.upstream.lb.UpstreamHost;
import io.bowline.runtime.router.UpstreamTransport;
import io.bowline.runtime.router.UpstreamTransport.Attempt;
import io.bowline.runtime.upstream.Outcome;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import io.bowline.runtime.tls.UpstreamTlsHandle;
import kotlin.jvm.JvmClassMappingKt;
import kotlin.reflect.KClass;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.internal.connection.RealCall;
import okhttp3.internal.http2.ErrorCode;
import okhttp3.internal.http2.StreamResetException;

/**
 * How the OkHttp adapter's {@link UpstreamTransport} ({@link OkHttpCall}, which keeps the call's chain, request and
 * route deadline) sends the router's attempts of one OkHttp call, synchronously on the caller's thread, to the chosen endpoints: rewrites the URL to the endpoint's
 * address with the attempt's {@code Host} ({@code auto_host_rewrite} may change it per attempt) and
 * {@code x-forwarded-host}, adds {@code x-envoy-attempt-count} when the router asks, and bounds the attempt with an
 * {@link ExchangeDeadline} (enforced by {@link ExchangeDeadlineInterceptor}): {@code per_try_timeout}
 * and the route timeout's remainder until the response headers, the route timeout (or {@code max_stream_duration}) until the end of
 * the body, as deadlines that a trickling upstream cannot outlast; the connect by the cluster's
 * {@code connect_timeout}, capped by the attempt's time too. Maps OkHttp failures to {@link Outcome}s (a
 * failed TLS handshake, e.g. a server whose SPIFFE ID matches no SAN matcher, is a connect failure: {@code UF}).
 * An attempt whose cluster has TLS ({@code Attempt.tls()}) goes to {@code https://<endpoint>} over the
 * handle's derived client ({@link TlsClients}), as an OkHttp call of its own; its timeouts are the same
 * deadlines on the same watchdog, which cancels that call (ALPN may have chosen HTTP/1.1 or HTTP/2), and its
 * connect timeout bounds the TLS handshake too, as Envoy's {@code connect_timeout} does.
 *
 * <p>On HTTP/1.1 the client's own read timeout joins the headers deadline, and the exchange runs
 * with OkHttp's read timeout (and, without a request body, its write timeout) off: okio enforces
 * those per socket operation with a watchdog thread that it wakes on nearly every read, write and
 * flush (11–17 µs of a 1 KB loopback GET on a 2-CPU VM), whereas the mesh's
 * {@link io.bowline.runtime.router.timeout.DeadlineWatchdog} is armed without a wake-up. The
 * body's reads are bounded one by one by the client's read timeout, as in OkHttp, and by the route
 * deadline, on the same watchdog ({@link CallerBody}, which the caller's response gets). What changes for the
 * caller: an upstream that trickles its headers within the read timeout byte by byte is now cut
 * once the read timeout has passed since the request was sent, as Envoy's timeouts are deadlines.
 */
final class OkHttpAttempts {
  static final String ATTEMPT_COUNT = "x-envoy-attempt-count";
  private static final UpstreamTransport.InFlight SYNCHRONOUS = () -> { }; // an attempt is over when send returns
  /** The attempt's one request tag: its {@link ExchangeDeadline}, or {@link FollowUps.MeshAttempt} without limits. */
  static final KClass<ExchangeDeadline> LIMITS = JvmClassMappingKt.getKotlinClass(ExchangeDeadline.class);
  static final KClass<FollowUps.MeshAttempt> MESH_ATTEMPT = JvmClassMappingKt.getKotlinClass(FollowUps.MeshAttempt.class);

  private OkHttpAttempts() {}

  /**
   * A builder of {@code request} sent to {@code host} with {@code Host: authority}: one builder per
   * attempt, to which the attempt adds its own headers and tags before building once.
   */
  static Request.Builder attemptBuilder(Request request, UpstreamHost host, String authority) {
    return request.newBuilder().url(EndpointUrls.rewrite(request.url(), host.endpoint())).header("Host", authority);
  }

  /** Sends {@code attempt} of {@code call}, on the caller's thread; the callback follows before this returns. */
  static UpstreamTransport.InFlight send(OkHttpCall call, Attempt attempt, UpstreamTransport.Callbacks<Response> callbacks) {
    Response response;
    try {
      response = send(call, attempt);
    } catch (IOException e) {
      callbacks.onFailure(e, classify(call, e));
      return SYNCHRONOUS;
    } catch (RuntimeException e) {
      callbacks.onFailure(e, null);
      return SYNCHRONOUS;
    }
    callbacks.onResponse(response, true);
    return SYNCHRONOUS;
  }

  private static Response send(OkHttpCall call, Attempt attempt) throws IOException {
    UpstreamHost host = attempt.host();
    long attemptTimeoutMillis = attempt.timeoutMillis();
    long connectTimeoutMillis = attempt.connectTimeoutMillis();
    UpstreamTlsHandle tls = attempt.tls();
    Request request = call.attemptRequest();
    Request.Builder b = call.attemptBuilder(host, attempt.authority());
    if (tls != null && !request.isHttps()) {
      b.url(EndpointUrls.rewrite(request.url(), host.endpoint()).newBuilder().scheme("https")
          .port(host.endpoint().port()).build());
    }
    if (attempt.forwardedHost() != null) {
      b.header(io.bowline.runtime.routing.RequestMutation.FORWARDED_HOST_HEADER, attempt.forwardedHost());
    }
    if (attempt.attemptCount()) {
      b.header(ATTEMPT_COUNT, Integer.toString(attempt.number()));
    }
    Interceptor.Chain chain = call.chain;
    Interceptor.Chain c = chain;
    long connectMs = attemptTimeoutMillis > 0 ? Math.min(connectTimeoutMillis, attemptTimeoutMillis) : connectTimeoutMillis;
    boolean h1 = call.http1() && tls == null; // over TLS, ALPN may choose HTTP/2
    long deadline = call.deadlineNanos();
    ExchangeDeadline limits = tls != null ? watchdogLimits(c, deadline, attemptTimeoutMillis, true)
        : h1 ? watchdogLimits(c, deadline, attemptTimeoutMillis, false) : http2Limits(c, deadline, attemptTimeoutMillis);
    if (limits == null) {
      b.tag(MESH_ATTEMPT, FollowUps.MeshAttempt.INSTANCE);
    } else {
      b.tag(LIMITS, limits); // also marks the request as a mesh attempt (one tag)
      if (limits.watchdogBoundsTheBody()) {
        // the watchdog bounds the wait for the headers, the client's read timeout included: okio's own
        // timeouts would wake its watchdog thread on every socket write, flush and read of the exchange
        if (c.readTimeoutMillis() != 0) {
          c = c.withReadTimeout(0, TimeUnit.MILLISECONDS);
        }
        if (request.body() == null && c.writeTimeoutMillis() != 0) { // no body: only the headers are written, under the same deadline
          c = c.withWriteTimeout(0, TimeUnit.MILLISECONDS);
        }
      } else if (limits.bodyReadTimeoutMillis() >= 0) {
        // an HTTP/2 stream shares its socket, so the headers deadline cannot close it; OkHttp's read
        // timeout bounds the wait for the stream's headers instead
        c = c.withReadTimeout((int) Math.min(Integer.MAX_VALUE, attemptTimeoutMillis), TimeUnit.MILLISECONDS);
      }
    }
    int connect = (int) Math.min(Integer.MAX_VALUE, connectMs);
    if (c.connectTimeoutMillis() != connect) { // withConnectTimeout copies the chain even for the same value
      c = c.withConnectTimeout(connect, TimeUnit.MILLISECONDS);
    }
    try {
      if (tls != null) {
        // over the handle's derived client: its own pooled TLS connections, the caller's pool and dispatcher
        b.tag(TlsClients.Timeouts.class,
            new TlsClients.Timeouts(c.connectTimeoutMillis(), c.readTimeoutMillis(), c.writeTimeoutMillis()));
        return answered(call, FollowUps.restore(TlsClients.of(client(chain), tls).newCall(b.build()).execute()), limits);
      }
      return answered(call, FollowUps.restore(c.proceed(b.build())), limits);
    } catch (IOException e) {
      if (limits != null && limits.connectExpired()) {
        throw limits.connectTimeout(e);
      }
      if (limits != null && limits.expired() && !(e instanceof SocketTimeoutException)) {
        throw limits.timeout(e);
      }
      throw e;
    }
  }

  private static Response answered(OkHttpCall call, Response response, ExchangeDeadline limits) {
    call.answered(response, limits);
    return response;
  }

  /**
   * The limits of an attempt the mesh's watchdog bounds, an HTTP/1.1 attempt or a TLS attempt ({@code ownCall}, an
   * OkHttp call of its own on the handle's derived client, cut by cancelling it on either protocol): until the
   * headers, {@code attemptTimeoutMillis} and the client's own read timeout, whichever is smaller, as one deadline
   * that the {@link ExchangeDeadlineInterceptor} arms on the watchdog; the route deadline until the body ends; and
   * the client's read timeout back on each read of the body. {@code null} when there is nothing to bound and the
   * attempt is not {@code ownCall} (whose connect timeout bounds the TLS handshake too).
   */
  private static ExchangeDeadline watchdogLimits(Interceptor.Chain c, long deadline, long attemptTimeoutMillis,
      boolean ownCall) {
    int read = c.readTimeoutMillis();
    long headersMs = read == 0 ? attemptTimeoutMillis : attemptTimeoutMillis == 0 ? read : Math.min(read, attemptTimeoutMillis);
    if (headersMs == 0 && deadline == ExchangeDeadline.NONE && !ownCall) {
      return null;
    }
    ExchangeDeadline limits = new ExchangeDeadline(headersMs == 0 ? ExchangeDeadline.NONE : TimeUnit.MILLISECONDS.toNanos(headersMs),
        deadline);
    limits.restoreBodyReadTimeout(read);
    if (ownCall) {
      limits.cancelsCall();
    } else {
      limits.okioTimeoutsOff();
    }
    return limits;
  }

  /**
   * The limits of an attempt that may run on HTTP/2: {@code null} without an attempt timeout (the
   * client's own timeouts apply as they are); otherwise the attempt's deadlines, and when the
   * attempt timeout is shorter than the client's read timeout, that read timeout to restore on the
   * body once OkHttp's read timeout has bounded the wait for the headers.
   */
  private static ExchangeDeadline http2Limits(Interceptor.Chain c, long deadline, long attemptTimeoutMillis) {
    if (attemptTimeoutMillis <= 0) {
      return null;
    }
    ExchangeDeadline limits = new ExchangeDeadline(TimeUnit.MILLISECONDS.toNanos(attemptTimeoutMillis), deadline);
    if (c.readTimeoutMillis() == 0 || c.readTimeoutMillis() > attemptTimeoutMillis) {
      limits.restoreBodyReadTimeout(c.readTimeoutMillis());
    }
    return limits;
  }

  /** The caller's client, whose pool, dispatcher and settings a TLS attempt's derived client shares. */
  private static OkHttpClient client(Interceptor.Chain chain) {
    if (chain.call() instanceof RealCall call) {
      return call.getClient();
    }
    throw new IllegalStateException("mesh: a TLS cluster needs OkHttp's own Call implementation, got "
        + chain.call().getClass().getName());
  }

  /**
   * Whether the call's exchanges are HTTP/1.1: a cleartext URL and a client that does not speak
   * HTTP/2 with prior knowledge (over TLS, ALPN may choose HTTP/2).
   */
  static boolean http1(Interceptor.Chain chain, Request request) {
    return !request.isHttps() && chain.call() instanceof RealCall call
        && !call.getClient().protocols().contains(Protocol.H2_PRIOR_KNOWLEDGE);
  }

  private static Outcome classify(OkHttpCall call, Exception failure) {
    if (call.chain.call().isCanceled() && !call.deadlineExpired()) {
      return null; // the caller cancelled (DC): not an upstream failure
    }
    return outcomeOf(failure);
  }

  /** The outcome of an OkHttp failure, or {@code null} when it is not an I/O failure. */
  static Outcome outcomeOf(Exception failure) {
    if (failure instanceof ConnectException
        || failure instanceof NoRouteToHostException
        || failure instanceof UnknownHostException
        || failure instanceof SSLHandshakeException) {
      return Outcome.CONNECT_FAILURE;
    }
    if (failure instanceof SocketTimeoutException) {
      String m = String.valueOf(failure.getMessage());
      return m.contains("connect") ? Outcome.CONNECT_FAILURE : Outcome.PER_TRY_TIMEOUT;
    }
    if (failure instanceof StreamResetException reset && reset.errorCode == ErrorCode.REFUSED_STREAM) {
      return Outcome.REFUSED_STREAM;
    }
    if (failure instanceof IOException) {
      return Outcome.RESET;
    }
    return null;
  }
}
