package io.bowline.runtime.router;

import io.bowline.api.filter.ExchangeResponse;
import io.bowline.runtime.tls.UpstreamTlsHandle;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import io.bowline.runtime.upstream.Outcome;

/**
 * How an adapter sends one call's upstream attempts for the router (Envoy's upstream codec under an
 * {@code UpstreamRequest}), one per call: it also holds the call's deadline, which the adapter sets
 * (the route's timeout, a gRPC caller's deadline), so that the router keeps no copy of it. The router
 * decides everything else: admission, host, timeouts, retries, back-off, outlier accounting, attempt
 * headers and {@code auto_host_rewrite}.
 *
 * @param <R> the transport's response head (an OkHttp {@code Response}, a gRPC call's first event)
 */
public interface UpstreamTransport<R> {

  /**
   * Sends one attempt. Exactly one callback follows, on any thread, possibly before this returns.
   *
   * @return a handle to cancel the attempt in flight
   */
  InFlight send(Attempt attempt, Callbacks<R> callbacks);

  /** The outcome of a response head (status, {@code grpc-status}, header lookup; or a failure kind). */
  Outcome outcome(R response);

  /** Releases a response the router will not return (it retries instead). */
  void discard(R response);

  /**
   * The call's deadline, the same for the call's life: attempts ({@link Attempt#timeoutMillis()}) and
   * back-off end by it, and the router answers 504 {@code UT} when it passes.
   *
   * @return the {@code System.nanoTime()} value at which the deadline passes ({@code Deadline.deadlineNanos()},
   *     {@code Deadline.nanosAfter}), or {@link Long#MAX_VALUE} for none
   */
  long deadlineNanos();

  /**
   * Whether this transport sends an attempt that carries {@link Attempt#tls()} over TLS with that
   * handle. A transport that does not (the default) is never handed such an attempt: the router
   * answers it locally with 503 {@code UF}, so nothing goes out in plaintext where the cluster's
   * {@code transport_socket} asks for TLS.
   *
   * @return {@code true} if {@link #send} originates TLS from {@link Attempt#tls()}
   */
  default boolean originatesTls() {
    return false;
  }

  /**
   * The call completed with {@code response}: called once, on the exchange's scheduler, once the call's own stage
   * is complete (its dependents have run). An adapter whose exchange's result is the call itself (the chain
   * passed the router's stage on unchanged: {@code MeshExchange.run()} returned the call) may take its answer
   * here instead of adding a dependent stage to the call. Nothing by default.
   *
   * @param response the response head the call completed with: the call itself when an upstream answered
   *     ({@link UpstreamResponse}), else a local reply
   */
  default void answered(ExchangeResponse response) {}

  /**
   * One attempt to send.
   *
   * @param host the endpoint
   * @param number 1 for the first try, +1 per retry
   * @param authority the {@code :authority} to send (changes per attempt under {@code auto_host_rewrite})
   * @param forwardedHost the {@code x-forwarded-host} to send instead of the request's, or {@code null}
   * @param attemptCount whether to send {@code x-envoy-attempt-count: number}
   *     ({@code include_request_attempt_count})
   * @param perTryTimeoutMillis the route's {@code per_try_timeout}, 0 for none
   * @param timeoutMillis how long the attempt may take: {@code per_try_timeout} and the time left
   *     before the call's deadline, whichever is smaller; 0 for no limit
   * @param connectTimeoutMillis the cluster's {@code connect_timeout}
   * @param tls the cluster's TLS ({@code transport_socket} {@code UpstreamTlsContext}), always {@link
   *     UpstreamTlsHandle#ready() ready} when given: the attempt must go out over TLS with its
   *     {@code SSLContext} (or its key and trust managers), {@code sni} and {@code alpn}, on connections
   *     pooled per handle; {@code null} for plaintext
   */
  record Attempt(UpstreamHost host, int number, String authority, String forwardedHost, boolean attemptCount,
      long perTryTimeoutMillis, long timeoutMillis, long connectTimeoutMillis, UpstreamTlsHandle tls) {

    /** A plaintext attempt. */
    public Attempt(UpstreamHost host, int number, String authority, String forwardedHost, boolean attemptCount,
        long perTryTimeoutMillis, long timeoutMillis, long connectTimeoutMillis) {
      this(host, number, authority, forwardedHost, attemptCount, perTryTimeoutMillis, timeoutMillis,
          connectTimeoutMillis, null);
    }
  }

  /** An attempt in flight. */
  @FunctionalInterface
  interface InFlight {
    /** Cancels the attempt; its callback still follows. */
    void cancel();
  }

  /** The attempt's result. */
  interface Callbacks<R> {
    /**
     * A response head arrived.
     *
     * @param complete whether the attempt is over with it (no stream follows to report through
     *     {@link UpstreamCall#streamEnded})
     */
    void onResponse(R response, boolean complete);

    /**
     * No response: the failure and its outcome, or {@code null} outcome when it is not an upstream
     * failure (the caller cancelled); the router then ends the exchange with {@code failure}.
     */
    void onFailure(Exception failure, Outcome outcome);
  }
}
