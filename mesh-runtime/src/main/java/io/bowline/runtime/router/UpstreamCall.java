package io.bowline.runtime.router;

import io.bowline.api.config.CircuitBreakers;
import io.bowline.api.config.RetryPolicy;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import io.bowline.runtime.pipeline.LocalResponse;
import io.bowline.runtime.tls.UpstreamTlsHandle;
import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.pipeline.RoutedCall;
import io.bowline.runtime.upstream.ClusterResilience;
import io.bowline.runtime.upstream.Outcome;
import io.bowline.runtime.upstream.Resilience;
import io.bowline.runtime.pipeline.ResponseFlags;
import io.bowline.runtime.upstream.circuitbreaker.ClusterCircuitBreaker;
import io.bowline.runtime.upstream.OutlierDetector;
import io.bowline.runtime.router.retry.RetryBackoff;
import io.bowline.runtime.router.retry.RetryDecider;
import io.bowline.runtime.router.timeout.Deadline;
import io.bowline.runtime.routing.AttemptHosts;
import io.bowline.runtime.routing.RequestMutation;
import io.bowline.runtime.pipeline.CallScheduler;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's router for one exchange, the one attempt state machine of every adapter: circuit-breaker
 * admission ({@code max_requests}, overflow 503 {@code UO} + {@code x-envoy-overloaded}), then
 * attempts over an {@link UpstreamTransport}. Each attempt picks a host with the cluster's load
 * balancer and the request hash (ejected hosts skipped; {@code previous_hosts} honoured up to
 * {@code host_selection_retry_max_attempts}), takes its {@code :authority} from
 * {@code auto_host_rewrite} (with {@code append_x_forwarded_host}, each attempt starting from what
 * the previous one was sent with), carries {@code x-envoy-attempt-count} when the virtual host
 * asks, is bounded by {@code per_try_timeout} and the call's deadline, and reports its outcome to
 * outlier detection. A retriable outcome ({@code RetryPolicy.retry_on} and friends) is retried
 * after a fully jittered back-off on the exchange's {@link CallScheduler} while attempts
 * ({@code num_retries}, capped per adapter), the {@code max_retries} breaker and the deadline allow;
 * otherwise the last response is returned ({@code URX} when retries ran out) or a local reply
 * (503 {@code UF}/{@code UC}/{@code UR}, 504 {@code UT}, 503 {@code UH}). Every method runs on the
 * exchange's scheduler.
 *
 * <p>The call is its own result (the future {@link #start} returns, completing with the response
 * head, never exceptionally), the {@link UpstreamResponse} it completes with when an upstream
 * answered, and the first attempt's {@link UpstreamTransport.Callbacks}: most
 * exchanges make one attempt, which then costs no object of its own; each retry gets a token, so
 * that a late answer
 * of an earlier attempt is recognised and discarded. Only the router completes the future.
 *
 * @param <R> the transport's response type
 */
public final class UpstreamCall<R> extends CompletableFuture<ExchangeResponse>
    implements MeshExchange.Interruptible, UpstreamTransport.Callbacks<R>, Runnable, UpstreamResponse<R> {
  private static final String RESET_BODY = "upstream connect error or disconnect/reset before headers. reset reason: ";

  private final MeshExchange exchange;
  private final RoutedCall.Upstream upstream;
  private final UpstreamTransport<R> transport;
  // the call's deadline (Long.MAX_VALUE: unbounded); the Deadline an adapter passes is not kept
  private final long deadlineNanos;
  private final ClusterResilience state;
  private final RetryDecider decider; // null: the route has no retry policy
  private int maxAttempts; // lowered to 1 when the request body outgrows the adapter's retry buffer
  private final String authority;
  private final AttemptHosts hosts; // auto_host_rewrite's state across attempts, or null without it
  private UpstreamHost firstHost; // the first attempt's host
  private long firstStartNanos; // when the first attempt started, if observed (else 0)
  private UpstreamHost[] tried; // previous_hosts: every attempt's host, once there is a retry
  private boolean admitted;
  private boolean retrying;
  private Object current; // the callbacks of the attempt in flight: this call (the first) or a retry's Token
  // the first attempt's answer (its response head, or its FirstFailure), kept from its callback
  // until the scheduler runs this call; then the response head this call completed with (it is
  // its own UpstreamResponse: outcome is set then), one field for both
  private Object answer;
  private boolean firstComplete;
  private UpstreamTransport.InFlight inFlight;
  private CallScheduler.Cancellable timer;
  private UpstreamHost streaming; // the committed attempt's host while its stream runs
  private boolean cancelled;
  private LocalResponse interruption;
  private Outcome outcome;
  private String responseFlags;

  /**
   * @param exchange the exchange (scheduler, observers)
   * @param upstream the routing decision
   * @param resilience the client's circuit breakers and outlier detectors
   * @param transport the adapter's transport
   * @param deadline the call's deadline: attempts and back-off end by it (504 {@code UT})
   * @param replayable whether the request may be sent more than once
   * @param attemptCap the most attempts the adapter allows (gRFC A44 caps gRPC at 5)
   * @param authority the request's {@code :authority} after the route's rewrites
   * @param requestForwardedHost the request's {@code x-forwarded-host} values joined, or {@code null}
   */
  public UpstreamCall(MeshExchange exchange, RoutedCall.Upstream upstream, Resilience resilience,
      UpstreamTransport<R> transport, Deadline deadline, boolean replayable, int attemptCap, String authority,
      String requestForwardedHost) {
    this(exchange, upstream, resilience, transport, deadline.bounded() ? deadline.deadlineNanos() : Long.MAX_VALUE,
        replayable, attemptCap, authority, requestForwardedHost);
  }

  /**
   * The same call with its deadline as {@link Deadline#nanosAfter} gives it, for adapters that keep
   * no {@link Deadline} object of their own.
   *
   * @param deadlineNanos the {@code System.nanoTime()} value at which the call's deadline passes,
   *     {@link Long#MAX_VALUE} for none
   */
  public UpstreamCall(MeshExchange exchange, RoutedCall.Upstream upstream, Resilience resilience,
      UpstreamTransport<R> transport, long deadlineNanos, boolean replayable, int attemptCap, String authority,
      String requestForwardedHost) {
    this.exchange = exchange;
    this.upstream = upstream;
    this.transport = transport;
    this.deadlineNanos = deadlineNanos;
    this.state = resilience.cluster(upstream.cluster());
    RetryPolicy retryPolicy = upstream.route().policies().retry();
    this.decider = retryPolicy == null ? null : exchange.chain().route() == upstream.route()
        ? exchange.chain().retry() : new RetryDecider(retryPolicy);
    this.maxAttempts = decider == null || !replayable ? 1 : Math.min(attemptCap, 1 + decider.numRetries());
    this.authority = authority;
    RequestMutation m = upstream.mutation();
    this.hosts = m.autoHostRewrite()
        ? m.attemptHosts(authority, m.appendsForwardedHost() ? requestForwardedHost : null) : null;
  }

  /** The cluster's circuit-breaker thresholds (read per use: the routed cluster entry does not change). */
  private CircuitBreakers limits() {
    return upstream.cluster().cluster().resilience().circuitBreakers();
  }

  private ClusterCircuitBreaker cb() {
    return state.circuitBreaker();
  }

  /** Whether the call has a deadline. */
  private boolean bounded() {
    return deadlineNanos != Long.MAX_VALUE;
  }

  /** Whether retries avoid the hosts already tried ({@code retry_host_predicate} {@code previous_hosts}). */
  private boolean previousHosts() {
    return maxAttempts > 1 && decider.policy().previousHosts();
  }

  /** The route's retry policy, or {@code null}. */
  private RetryPolicy retryPolicy() {
    return decider == null ? null : decider.policy();
  }

  /**
   * Admits the request and sends the first attempt.
   *
   * @return this call, which completes with the response head (never exceptionally)
   */
  public CompletableFuture<ExchangeResponse> start() {
    exchange.interruptible(this);
    if (!cb().tryAcquireRequest(limits())) {
      finish(new LocalResponse(503, ResponseFlags.UO, RESET_BODY + "overflow",
          Map.of(LocalResponse.OVERLOADED_HEADER, "true"), -1, null));
      return this;
    }
    admitted = true;
    attempt(1);
    return this;
  }

  private void attempt(int n) {
    timer = null;
    if (isDone()) {
      return;
    }
    // previous_hosts: the first attempt has nothing to avoid; the list is made when a retry needs it
    boolean previousHosts = previousHosts();
    if (previousHosts && n > 1 && tried == null) {
      tried = new UpstreamHost[maxAttempts];
      tried[0] = firstHost;
    }
    UpstreamHost host = state.pick(upstream.cluster().balancing().balancer(), upstream.hash(),
        upstream.cluster().balancing().hosts().size(), previousHosts && n > 1 ? tried : null,
        previousHosts ? retryPolicy().hostSelectionRetryMaxAttempts() : 0);
    if (host == null) {
      finish(LocalResponse.of(503, ResponseFlags.UH, "no healthy upstream"));
      return;
    }
    if (n == 1) {
      firstHost = host;
    } else if (previousHosts) {
      tried[n - 1] = host;
    }
    RetryPolicy retryPolicy = retryPolicy();
    long perTryMillis = retryPolicy == null || retryPolicy.perTryTimeout() == null ? 0 : retryPolicy.perTryTimeout().toMillis();
    long timeout = perTryMillis;
    if (bounded()) {
      long left = Deadline.millisUntil(deadlineNanos);
      if (left <= 0) {
        finish(timedOut(null));
        return;
      }
      timeout = timeout == 0 ? left : Math.min(timeout, left);
    }
    String a = authority;
    String forwarded = null;
    if (hosts != null) {
      hosts.next(host.endpoint());
      a = hosts.authority();
      forwarded = hosts.forwardedHost();
    }
    UpstreamTlsHandle tls = upstream.cluster().sockets().select(host.endpoint());
    if (tls != null && !tls.ready() && !tls.warmed().isDone()) {
      // Envoy's cluster warming: the certificate is on its way (bounded by the initial fetch timeout); try again then
      tls.warmed().thenRun(() -> exchange.scheduler().execute(() -> {
        if (timer != null) {
          timer.cancel();
        }
        attempt(n);
      }));
      if (bounded()) { // the route's timeout still holds: nothing else times a call that has not been sent
        timer = exchange.scheduler().schedule(() -> finish(timedOut(null)), Math.max(0, deadlineNanos - System.nanoTime()));
      }
      return;
    }
    if (tls != null && !tls.ready()) {
      // never plaintext where TLS is configured: without a certificate there is no connection to make
      finish(new LocalResponse(503, ResponseFlags.UF, RESET_BODY + "connection failure, transport failure reason: "
          + "TLS is not ready for cluster " + upstream.cluster().cluster().name() + ": " + tls.notReadyReason(),
          Map.of(), -1, null));
      return;
    }
    if (tls != null && !transport.originatesTls()) {
      finish(new LocalResponse(503, ResponseFlags.UF, RESET_BODY + "connection failure, transport failure reason: "
          + "cluster " + upstream.cluster().cluster().name() + " asks for TLS and this client's transport ("
          + transport.getClass().getSimpleName() + ") does not originate TLS", Map.of(), -1, null));
      return;
    }
    long startNanos = exchange.observed() ? System.nanoTime() : 0;
    UpstreamTransport.Callbacks<R> callbacks;
    if (n == 1) {
      callbacks = this;
      firstStartNanos = startNanos;
    } else {
      callbacks = new Token(n, host, startNanos);
    }
    current = callbacks;
    host.onRequestStart();
    try {
      inFlight = transport.send(new UpstreamTransport.Attempt(host, n, a, forwarded,
          upstream.route().policies().includeAttemptCount(), perTryMillis, timeout,
          upstream.cluster().cluster().optionsOrNone().connectTimeoutMs(), tls), callbacks);
    } catch (RuntimeException e) {
      current = null;
      host.onRequestEnd();
      finish(new LocalResponse(500, "", "mesh: the attempt could not start: " + e, Map.of(), -1, e));
    }
  }

  /**
   * The first attempt's response head (called by the transport, on any thread, once): handed to
   * the exchange's scheduler.
   */
  @Override
  public void onResponse(R response, boolean complete) {
    this.answer = response;
    this.firstComplete = complete;
    exchange.scheduler().execute(this);
  }

  /** The first attempt's failure (called by the transport, on any thread, once): handed to the scheduler. */
  @Override
  public void onFailure(Exception failure, Outcome outcome) {
    this.answer = new FirstFailure(failure, outcome); // failures are rare: no fields of their own
    exchange.scheduler().execute(this);
  }

  /**
   * Runs the first attempt's answer on the exchange's scheduler (the task {@link #onResponse} hands
   * it).
   */
  @Override
  @SuppressWarnings("unchecked") // answer is what onResponse was given unless a FirstFailure
  public void run() {
    if (answer instanceof FirstFailure f) {
      onAttemptFailure(this, 1, firstHost, firstStartNanos, f.failure, f.outcome);
    } else {
      onAttemptResponse(this, 1, firstHost, firstStartNanos, (R) answer, firstComplete);
    }
  }

  /** The first attempt's failure, kept until the scheduler runs this call. */
  private record FirstFailure(Exception failure, Outcome outcome) {}

  /**
   * A retry's callbacks; stale once another attempt started. The transport calls back exactly
   * once, so the token keeps the answer itself and is the task that hands it to the scheduler.
   */
  private final class Token implements UpstreamTransport.Callbacks<R>, Runnable {
    final int n;
    final UpstreamHost host;
    final long startNanos;
    private R response;
    private boolean complete;
    private boolean failed;
    private Exception failure;
    private Outcome outcome;

    Token(int n, UpstreamHost host, long startNanos) {
      this.n = n;
      this.host = host;
      this.startNanos = startNanos;
    }

    @Override
    public void onResponse(R r, boolean c) {
      this.response = r;
      this.complete = c;
      exchange.scheduler().execute(this);
    }

    @Override
    public void onFailure(Exception f, Outcome o) {
      this.failed = true;
      this.failure = f;
      this.outcome = o;
      exchange.scheduler().execute(this);
    }

    @Override
    public void run() {
      if (failed) {
        onAttemptFailure(this, n, host, startNanos, failure, outcome);
      } else {
        onAttemptResponse(this, n, host, startNanos, response, complete);
      }
    }
  }

  /** Attempt {@code n}'s response head, {@code callbacks} being its callbacks (stale unless current). */
  private void onAttemptResponse(Object callbacks, int n, UpstreamHost host, long startNanos, R response,
      boolean complete) {
    if (callbacks != current || isDone()) {
      transport.discard(response);
      return;
    }
    current = null;
    inFlight = null;
    Outcome outcome = transport.outcome(response);
    if (complete) {
      host.onRequestEnd();
    }
    observe(n, host, startNanos, outcome);
    if (interruption != null) {
      transport.discard(response);
      finish(interruption);
      return;
    }
    if (cancelled) {
      finish(response, outcome, "");
      return;
    }
    if (complete) {
      record(host, outcome);
    }
    boolean retriable = complete && decider != null && decider.retriable(outcome);
    String flags = outcome.kind() == Outcome.Kind.PER_TRY_TIMEOUT ? ResponseFlags.UT : "";
    if (retriable) {
      if (retry(n, response)) {
        return;
      }
      if (isDone()) {
        return;
      }
      flags = ResponseFlags.join(maxAttempts > 1 ? ResponseFlags.URX : "", flags);
    }
    if (!complete) {
      streaming = host;
    }
    finish(response, outcome, flags);
  }

  /** Attempt {@code n}'s failure, {@code callbacks} being its callbacks (stale unless current). */
  private void onAttemptFailure(Object callbacks, int n, UpstreamHost host, long startNanos, Exception failure,
      Outcome outcome) {
    if (callbacks != current || isDone()) {
      return;
    }
    current = null;
    inFlight = null;
    host.onRequestEnd();
    if (interruption != null) {
      finish(interruption);
      return;
    }
    if (outcome == null || cancelled) {
      if (exchange.observed()) {
        exchange.attemptEnded(n, host.hostAndPort(), 0, "cancelled", System.nanoTime() - startNanos,
            host.endpoint().workload());
      }
      finish(new LocalResponse(499, "DC", "downstream cancelled", Map.of(), -1, failure));
      return;
    }
    observe(n, host, startNanos, outcome);
    if (bounded() && deadlineNanos - System.nanoTime() <= Deadline.SLACK_NANOS) {
      finish(timedOut(failure));
      return;
    }
    record(host, outcome);
    boolean retriable = decider != null && decider.retriable(outcome);
    if (retriable && retry(n, null)) {
      return;
    }
    if (isDone()) {
      return;
    }
    finish(failed(outcome, failure, retriable && maxAttempts > 1 ? ResponseFlags.URX : ""));
  }

  private void observe(int n, UpstreamHost host, long startNanos, Outcome outcome) {
    if (!exchange.observed()) {
      exchange.attemptsMade(n);
      return;
    }
    exchange.attemptEnded(n, host.hostAndPort(), outcome.isResponse() ? outcome.httpStatus() : 0,
        failureName(outcome.kind()), System.nanoTime() - startNanos, host.endpoint().workload());
  }

  private static String failureName(Outcome.Kind k) {
    switch (k) {
      case CONNECT_FAILURE:
        return "connect-failure";
      case RESET:
        return "reset";
      case REFUSED_STREAM:
        return "refused-stream";
      case PER_TRY_TIMEOUT:
        return "per-try-timeout";
      default:
        return "";
    }
  }

  private void record(UpstreamHost host, Outcome outcome) {
    OutlierDetector od = state.outlier();
    if (od == null) {
      return;
    }
    if (outcome.isResponse()) {
      od.recordStatus(host, outcome.httpStatus());
    } else {
      od.recordLocalOriginFailure(host);
    }
  }

  /**
   * Schedules attempt {@code n + 1} after the back-off; false when no attempt is left or the retry
   * breaker refuses. When the deadline passes during the back-off, the exchange ends with 504 UT.
   */
  private boolean retry(int n, R response) {
    if (n >= maxAttempts) {
      return false;
    }
    if (retrying) {
      cb().releaseRetry();
      retrying = false;
    }
    if (!cb().tryAcquireRetry(limits())) {
      return false;
    }
    retrying = true;
    if (response != null) {
      transport.discard(response);
    }
    RetryPolicy retryPolicy = retryPolicy();
    long wait = new RetryBackoff(retryPolicy.baseInterval(), retryPolicy.maxInterval()).nextMillis(n);
    boolean bounded = bounded();
    long left = bounded ? deadlineNanos - System.nanoTime() : Long.MAX_VALUE;
    if (bounded && TimeUnit.NANOSECONDS.toMillis(left) <= wait) {
      timer = exchange.scheduler().schedule(() -> finish(timedOut(null)), Math.max(0, left));
      return true;
    }
    int next = n + 1;
    if (wait <= 0) {
      exchange.scheduler().execute(() -> attempt(next));
    } else {
      timer = exchange.scheduler().schedule(() -> attempt(next), TimeUnit.MILLISECONDS.toNanos(wait));
    }
    return true;
  }

  /**
   * The request body outgrew the adapter's retry buffer (Envoy's {@code retry_shadow_buffer_limit}, the
   * listener's {@code per_connection_buffer_limit_bytes}): the attempt in flight is the last, and a
   * failure of it is the call's. When no attempt is in flight (the call waits out a retry back-off),
   * the call ends with 507, as Envoy's router ends it ("exceeded request buffer limit while retrying
   * upstream"). Called on the exchange's scheduler.
   */
  public void requestBufferOverflowed() {
    if (isDone() || maxAttempts == 1) {
      return;
    }
    maxAttempts = 1;
    if (current == null && retrying) {
      if (timer != null) {
        timer.cancel();
        timer = null;
      }
      finish(new LocalResponse(507, "", "exceeded request buffer limit while retrying upstream", Map.of(), -1, null));
    }
  }

  /** The caller cancelled: an attempt in flight is cancelled (its result ends the exchange), a back-off ends now. */
  public void cancel() {
    if (isDone()) {
      return;
    }
    cancelled = true;
    if (!stopWaiting()) {
      finish(new LocalResponse(499, "DC", "downstream cancelled", Map.of(), -1, null));
    }
  }

  @Override
  public void interrupt(LocalResponse reply) {
    if (isDone()) {
      return;
    }
    interruption = reply;
    if (!stopWaiting()) {
      finish(reply);
    }
  }

  /**
   * A filter answered the exchange with something other than this call (a local reply in place of
   * the upstream's response): the response head this call holds is discarded (its stream
   * cancelled), and its attempt leaves the host's and the circuit breaker's active requests; attempts
   * still running are cancelled as if the exchange were interrupted.
   */
  @Override
  public void replaced() {
    if (!isDone()) {
      interrupt(LocalResponse.of(499, "DC", "the filters answered without the router"));
      return;
    }
    if (outcome == null || answer == null) {
      return; // it answered locally, or let go already: nothing is held
    }
    @SuppressWarnings("unchecked") // with an outcome, the answer is the response head it completed with
    R r = (R) answer;
    answer = null;
    transport.discard(r);
    UpstreamHost h = streaming;
    if (h != null) {
      streaming = null;
      h.onRequestEnd();
      release();
    }
  }

  /** Cancels the attempt in flight and returns true, or stops a back-off and returns false. */
  private boolean stopWaiting() {
    if (inFlight != null) {
      inFlight.cancel();
      return true;
    }
    if (timer != null) {
      timer.cancel();
      timer = null;
    }
    return false;
  }

  /**
   * The committed attempt's stream ended (adapters whose response head does not end the attempt):
   * its final outcome goes to outlier detection and the request leaves the circuit breaker.
   */
  public void streamEnded(Outcome finalOutcome) {
    UpstreamHost h = streaming;
    if (h == null) {
      return;
    }
    streaming = null;
    h.onRequestEnd();
    if (!cancelled && interruption == null && finalOutcome != null) {
      record(h, finalOutcome);
    }
    release();
  }

  /** Completes with the upstream's response: this call is that response. */
  private void finish(R r, Outcome o, String flags) {
    if (isDone()) {
      return;
    }
    this.answer = r;
    this.outcome = o;
    this.responseFlags = flags;
    finish(this);
  }

  @Override
  @SuppressWarnings("unchecked") // set with the outcome by finish(R, ...)
  public R response() {
    return (R) answer;
  }

  @Override
  public Outcome outcome() {
    return outcome;
  }

  @Override
  public String responseFlags() {
    return responseFlags;
  }

  private void finish(ExchangeResponse r) {
    if (isDone()) {
      return;
    }
    if (streaming == null) {
      release();
    }
    complete(r);
  }

  private void release() {
    if (retrying) {
      cb().releaseRetry();
      retrying = false;
    }
    if (admitted) {
      cb().releaseRequest();
      admitted = false;
    }
  }

  /**
   * Envoy's {@code , transport failure reason: TLS error: ...} when a handshake failed (e.g. the server's
   * SPIFFE ID matches no SAN matcher), else {@code ""}. TLS errors name certificates by serial and SAN only.
   */
  private static String tlsFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException) {
        // the trust manager's CertificateException says which check refused the peer; the JDK's causes under it
        // (e.g. "NotAfter: ...") say less
        Throwable reason = t;
        while (reason.getCause() != null && !(reason instanceof java.security.cert.CertificateException)) {
          reason = reason.getCause();
        }
        return ", transport failure reason: TLS error: " + reason.getMessage();
      }
    }
    return "";
  }

  private static LocalResponse timedOut(Exception cause) {
    return new LocalResponse(504, ResponseFlags.UT, "upstream request timeout", Map.of(), -1, cause);
  }

  private static LocalResponse failed(Outcome outcome, Exception failure, String flags) {
    switch (outcome.kind()) {
      case PER_TRY_TIMEOUT:
        return new LocalResponse(504, ResponseFlags.join(ResponseFlags.UT, flags), "upstream request timeout",
            Map.of(), -1, failure);
      case CONNECT_FAILURE:
        return new LocalResponse(503, ResponseFlags.join(ResponseFlags.UF, flags), RESET_BODY + "connection failure"
            + tlsFailure(failure), Map.of(), -1, failure);
      case REFUSED_STREAM:
        return new LocalResponse(503, ResponseFlags.join(ResponseFlags.UR, flags),
            RESET_BODY + "remote refused stream reset", Map.of(), -1, failure);
      case RESET:
      default:
        return new LocalResponse(503, ResponseFlags.join("UC", flags), RESET_BODY + "connection termination",
            Map.of(), -1, failure);
    }
  }
}
