package io.bowline.runtime.okhttp;

import io.bowline.runtime.lb.UpstreamHost;
import io.bowline.runtime.resilience.AttemptLoop;
import io.bowline.runtime.resilience.Outcome;
import io.bowline.runtime.resilience.timeout.Deadline;
import io.bowline.runtime.routing.AttemptHosts;
import io.bowline.runtime.routing.RequestMutation;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.internal.http2.ErrorCode;
import okhttp3.internal.http2.StreamResetException;

/**
 * Sends attempts of one OkHttp call to chosen endpoints: rewrites the URL to the endpoint's
 * address keeping the original {@code Host} (or, under {@code auto_host_rewrite}, setting it to the
 * endpoint's host name when it has one, with {@code append_x_forwarded_host}; a retry starts from
 * what the previous attempt was sent with, see {@link AttemptHosts}), adds
 * {@code x-envoy-attempt-count} when the virtual host asks for it, and bounds the attempt with an
 * {@link ExchangeDeadline} (enforced by {@link ExchangeDeadlineInterceptor}): {@code per_try_timeout}
 * and the route timeout's remainder until the response headers, the route timeout (or {@code max_stream_duration}) until the end of
 * the body, as deadlines that a trickling upstream cannot outlast; the connect by the cluster's
 * {@code connect_timeout}, capped by the attempt's time too. Maps OkHttp failures to {@link Outcome}s.
 */
final class OkHttpTransport implements AttemptLoop.Transport<Response> {
  static final String ATTEMPT_COUNT = "x-envoy-attempt-count";

  private final Interceptor.Chain chain;
  private final Request request;
  private final String authority;
  private final AttemptHosts hosts; // null unless auto_host_rewrite
  private final boolean includeAttemptCount;
  private final Deadline deadline;
  private final long connectTimeoutMillis;

  OkHttpTransport(
      Interceptor.Chain chain, Request request, String authority, RequestMutation mutation, boolean includeAttemptCount,
      Deadline deadline, long connectTimeoutMillis) {
    this.connectTimeoutMillis = connectTimeoutMillis;
    this.chain = chain;
    this.request = request;
    this.authority = authority;
    this.hosts = mutation.attemptHosts(authority,
        mutation.appendsForwardedHost() ? forwardedHost(request) : null);
    this.includeAttemptCount = includeAttemptCount;
    this.deadline = deadline;
  }

  /** The request's {@code x-forwarded-host} values joined by commas, or {@code null}. */
  private static String forwardedHost(Request request) {
    List<String> values = request.headers(RequestMutation.FORWARDED_HOST_HEADER);
    return values.isEmpty() ? null : String.join(",", values);
  }

  /**
   * A builder of {@code request} sent to {@code host} with {@code Host: authority}: one builder per
   * attempt, to which the attempt adds its own headers and tags before building once.
   */
  static Request.Builder attemptBuilder(Request request, UpstreamHost host, String authority) {
    return request.newBuilder().url(EndpointUrls.rewrite(request.url(), host.endpoint())).header("Host", authority);
  }

  @Override
  public Response send(UpstreamHost host, int attempt, long attemptTimeoutMillis) throws IOException {
    Request.Builder b;
    if (hosts != null) { // each attempt edits what the previous one was sent with, as Envoy's router
      hosts.next(host.endpoint());
      b = attemptBuilder(request, host, hosts.authority());
      String forwarded = hosts.forwardedHost();
      if (forwarded != null) {
        b.header(RequestMutation.FORWARDED_HOST_HEADER, forwarded);
      }
    } else {
      b = attemptBuilder(request, host, authority);
    }
    if (includeAttemptCount) {
      b.header(ATTEMPT_COUNT, Integer.toString(attempt));
    }
    long connectMs = connectTimeoutMillis;
    Interceptor.Chain c = chain;
    ExchangeDeadline limits = null;
    if (attemptTimeoutMillis > 0) {
      int ms = (int) Math.min(Integer.MAX_VALUE, attemptTimeoutMillis);
      connectMs = Math.min(connectMs, ms);
      limits = new ExchangeDeadline(TimeUnit.MILLISECONDS.toNanos(attemptTimeoutMillis),
          deadline.bounded() ? deadline.deadlineNanos() : ExchangeDeadline.NONE);
      b.tag(ExchangeDeadline.class, limits);
    }
    Request r = b.build();
    int connect = (int) Math.min(Integer.MAX_VALUE, connectMs);
    if (c.connectTimeoutMillis() != connect) { // withConnectTimeout copies the chain even for the same value
      c = c.withConnectTimeout(connect, TimeUnit.MILLISECONDS);
    }
    if (limits != null && (c.readTimeoutMillis() == 0 || c.readTimeoutMillis() > attemptTimeoutMillis)) {
      // an HTTP/2 stream shares its socket, so the headers deadline cannot close it; OkHttp's read
      // timeout bounds the wait for the stream's headers instead (on HTTP/1 the deadline acts first)
      limits.restoreBodyReadTimeout(c.readTimeoutMillis());
      c = c.withReadTimeout((int) Math.min(Integer.MAX_VALUE, attemptTimeoutMillis), TimeUnit.MILLISECONDS);
    }
    try {
      return c.proceed(r);
    } catch (IOException e) {
      if (limits != null && limits.expired() && !(e instanceof SocketTimeoutException)) {
        throw limits.timeout(e);
      }
      throw e;
    }
  }

  @Override
  public Outcome classify(Response response) {
    String grpc = response.header("grpc-status");
    int grpcStatus = -1;
    if (grpc != null) {
      try {
        grpcStatus = Integer.parseInt(grpc.trim());
      } catch (NumberFormatException e) {
        grpcStatus = -1;
      }
    }
    return Outcome.response(response.code(), grpcStatus, response::header);
  }

  @Override
  public Outcome classify(Exception failure) {
    if (chain.call().isCanceled() && !deadline.expired()) {
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

  @Override
  public void discard(Response response) {
    response.close();
  }
}
