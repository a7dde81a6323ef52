package io.bowline.spring.http;

import io.bowline.api.config.Endpoint;
import io.bowline.runtime.router.UpstreamTransport;
import io.bowline.runtime.router.timeout.Deadline;
import io.bowline.runtime.routing.RequestMutation;
import io.bowline.runtime.upstream.Outcome;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLHandshakeException;
import org.springframework.http.HttpHeaders;
import reactor.core.Disposable;

/**
 * The Spring clients' {@link UpstreamTransport} over Reactor Netty: each attempt of one routed
 * request goes to the chosen endpoint's address with the attempt's {@code Host}
 * ({@code auto_host_rewrite} may change it per attempt), {@code x-forwarded-host} and
 * {@code x-envoy-attempt-count} when the router asks; the attempt's time ({@code per_try_timeout}
 * and what is left of the route timeout) bounds it up to the end of the body, and the cluster's
 * {@code connect_timeout} bounds the connect. Non-blocking: the callback comes on a Netty thread.
 */
final class NettyTransport implements UpstreamTransport<BufferedResponse> {
  static final String ATTEMPT_COUNT = "x-envoy-attempt-count";

  private final NettySender sender;
  private final String method;
  private final String pathAndQuery;
  private final HttpHeaders headers;
  private final byte[] body;
  private final Deadline deadline;

  /**
   * @param sender the client's connections
   * @param method the request method
   * @param pathAndQuery the request target as the route rewrote it
   * @param headers the request headers with the filters' edits and the route's
   * @param body the buffered request body
   * @param deadline the route timeout
   */
  NettyTransport(NettySender sender, String method, String pathAndQuery, HttpHeaders headers, byte[] body,
      Deadline deadline) {
    this.sender = sender;
    this.method = method;
    this.pathAndQuery = pathAndQuery;
    this.headers = headers;
    this.body = body;
    this.deadline = deadline;
  }

  @Override
  public long deadlineNanos() {
    return deadline.nanosOrUnbounded();
  }

  /** Attempts to a TLS cluster go out as HTTPS with the attempt's TLS handle. */
  @Override
  public boolean originatesTls() {
    return true;
  }

  @Override
  public InFlight send(Attempt attempt, Callbacks<BufferedResponse> callbacks) {
    Endpoint endpoint = attempt.host().endpoint();
    String address = endpoint.address().indexOf(':') >= 0 ? "[" + endpoint.address() + "]" : endpoint.address();
    Map<String, String> extra = new LinkedHashMap<>(2);
    if (attempt.forwardedHost() != null) {
      extra.put(RequestMutation.FORWARDED_HOST_HEADER, attempt.forwardedHost());
    }
    if (attempt.attemptCount()) {
      extra.put(ATTEMPT_COUNT, Integer.toString(attempt.number()));
    }
    long connectMs = attempt.timeoutMillis() > 0
        ? Math.min(attempt.connectTimeoutMillis(), attempt.timeoutMillis()) : attempt.connectTimeoutMillis();
    AtomicBoolean over = new AtomicBoolean();
    String scheme = attempt.tls() == null ? "http://" : "https://";
    Disposable d = sender.send(method, scheme + address + ":" + endpoint.port() + pathAndQuery, attempt.authority(),
            headers, body, extra, attempt.timeoutMillis(), connectMs, attempt.tls())
        .subscribe(r -> {
          if (over.compareAndSet(false, true)) {
            callbacks.onResponse(r, true);
          }
        }, e -> {
          if (over.compareAndSet(false, true)) {
            callbacks.onFailure(e instanceof Exception x ? x : new IOException(e), outcomeOf(e));
          }
        });
    return () -> {
      if (over.compareAndSet(false, true)) {
        d.dispose();
        callbacks.onFailure(new CancellationException("attempt cancelled"), null);
      }
    };
  }

  /** The outcome of a Reactor Netty failure, or {@code null} when it is not an upstream failure. */
  static Outcome outcomeOf(Throwable failure) {
    if (failure instanceof ConnectException || failure instanceof NoRouteToHostException
        || failure instanceof UnknownHostException || failure instanceof SSLHandshakeException
        || failure instanceof io.netty.channel.ConnectTimeoutException) {
      return Outcome.CONNECT_FAILURE;
    }
    if (failure instanceof TimeoutException || failure instanceof io.netty.handler.timeout.TimeoutException) {
      return Outcome.PER_TRY_TIMEOUT;
    }
    if (failure instanceof IOException) {
      return Outcome.RESET; // reactor.netty's PrematureCloseException among them
    }
    return null;
  }

  @Override
  public Outcome outcome(BufferedResponse response) {
    // Spring's HTTP clients do not speak gRPC: no grpc-status to read
    return Outcome.response(response.status(), -1, name -> {
      java.util.List<String> values = response.headers().get(name);
      return values == null ? null : String.join(",", values);
    });
  }

  @Override
  public void discard(BufferedResponse response) {
    // read whole: nothing to release
  }
}
