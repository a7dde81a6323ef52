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
import io.bowline.runtime.pipeline.ResponseFlags;
import io.bowline.runtime.upstream.circuitbreaker.ClusterCircuitBreaker;
import io.bowline.runtime.upstream.OutlierDetector;
import io.bowline.runtime.router.retry.RetryBackoff;
import io.bowline.runtime.router.retry.RetryDecider;
import io.bowline.runtime.router.timeout.CoarseClock;
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
 * (503 {@code UF}/{@code UC}/{@code UR}, 504 {@code UT}, 503 {@code UH}). An attempt the upstream never
 * processed ({@link Outcome#unprocessed()}, gRFC A6) is replayed once on a fresh pick without counting as a retry.
 * Every method runs on the exchange's scheduler.
 *
 * <p>The call is its own result (the future {@link #start} returns, completing with the response
 * head, never exceptionally), the {@link UpstreamResponse} it completes with when an upstream
 * answered, and the first attempt's {@link UpstreamTransport.Callbacks}: most
 * exchanges make one attempt, which then costs no object of its own; each retry gets a token, so
 * that a late answer
 * of an earlier attempt is recognised and discarded. Only the router completes the future. It keeps
 * no copy of what others hold: the routing decision (with the cluster's state it carries) is the
 * exchange's until filters' edits route the exchange again (the call then keeps the one it started
 * with), and the call's deadline is its transport's.
 *
 * @param <R> the transport's response type
 */
public final class UpstreamCall<R> extends CompletableFuture<ExchangeResponse>
    implements MeshExchange.Interruptible, UpstreamTransport.Callbacks<R>, Runnable, UpstreamResponse<R> {
  private static final String RESET_BODY = "upstream connect error or disconnect/reset before headers. reset reason: ";

  // the exchange also holds the routing decision (routedUpstream, which carries the cluster's state), and the
  // transport the call's deadline: the call keeps no copy of either (see upstream())
  private final MeshExchange exchange;
  private final UpstreamTransport<R> transport;
  // the most attempts (1 + num_retries, capped at 65535); lowered to 1 when the request body
  // outgrows the adapter's retry buffer
  private char maxAttempts;
  // the first attempt's host; once a response is committed whose stream goes on (STREAMING), that
  // attempt's host, which the stream's end releases
  private UpstreamHost host;
  // the first attempt's answer (its response head, or its FirstFailure), kept from its callback
  // until the scheduler runs this call; then the response head this call completed with (it is
  // its own UpstreamResponse: outcome is set then), one field for both
  private Object answer;
  private boolean firstComplete; // written by the first attempt's callback (any thread), with answer
  private byte bits; // the flags below; the scheduler's thread only
  // while an attempt is in flight, its UpstreamTransport.InFlight; once this call completed with an
  // upstream's response, that response's Outcome (it is its own UpstreamResponse); one field for both
  private Object handle;
  private Cold cold; // what retries, timers, interruptions and auto_host_rewrite need; null on the success path

  private static final byte ADMITTED = 1; // holds a max_requests slot
  private static final byte RETRYING = 2; // holds a max_retries slot
  private static final byte CANCELLED = 4; // the caller cancelled
  private static final byte SENDING = 8; // inside the transport's send on the scheduler's thread
  private static final byte SYNC_ANSWER = 16; // the first attempt answered inside send, on the scheduler's thread
  private static final byte FIRST_IN_FLIGHT = 32; // the first attempt is the one in flight (a retry's: Cold.token)
  private static final byte STREAMING = 64; // the committed attempt's stream runs on (its host is host)
  private static final byte OWN_DECIDER = (byte) 128; // the decider is Cold.decider, not the chain's (re-routed)

  /**
   * The call's rarely used state, made on first use: a successful first attempt never needs it
   * (keeping it out of the call keeps the call at 48 bytes).
   */
  private static final class Cold {
    // the decision this call started with, once the exchange lets go of it (filters' edits routed it again)
    RoutedCall.Upstream upstream;
    Object token; // the retry's Token in flight, when that is the attempt in flight
    String authority; // the attempts' :authority when it is not the exchange's (the route rewrote it)
    RetryDecider decider; // with OWN_DECIDER: the decider of a route other than the chain's, or null
    AttemptHosts hosts; // auto_host_rewrite's state across attempts
    UpstreamHost[] tried; // previous_hosts: every attempt's host, once there is a retry
    CallScheduler.Cancellable timer; // back-off, or the route timeout while TLS warms
    LocalResponse interruption; // what an interruption answers once the attempt in flight ends
    String responseFlags; // the flags of the response this call completed with, when not ""
    boolean notReplayable; // the request cannot be sent again (streamed, or outgrew the buffer)
    boolean replayed; // the one transparent replay of an unprocessed attempt was made
  }

  private Cold cold() {
    Cold c = cold;
    if (c == null) {
      c = new Cold();
      cold = c;
    }
    return c;
  }

  private boolean is(byte bit) {
    return (bits & bit) != 0;
  }

  private void set(byte bit, boolean on) {
    bits = (byte) (on ? bits | bit : bits & ~bit);
  }

  private LocalResponse interruption() {
    Cold c = cold;
    return c == null ? null : c.interruption;
  }

  /**
   * A router for the decision the exchange holds ({@link MeshExchange#routedUpstream()}, as the router
   * filter hands it to {@link MeshExchange.Upstreams#start}), with the cluster's state that decision carries.
   *
   * @param exchange the exchange (scheduler, observers, routing decision)
   * @param transport the adapter's transport for this call, with the call's deadline
   *     ({@link UpstreamTransport#deadlineNanos()}): attempts and back-off end by it (504 {@code UT})
   * @param replayable whether the request may be sent more than once
   * @param attemptCap the most attempts the adapter allows (gRFC A44 caps gRPC at 5)
   * @param authority the request's {@code :authority} after the route's rewrites
   * @param requestForwardedHost the request's {@code x-forwarded-host} values joined, or {@code null}; read only
   *     when the route has {@code auto_host_rewrite} with {@code append_x_forwarded_host} (adapters may pass
   *     {@code null} otherwise)
   * @throws IllegalStateException if the exchange is not routed upstream
   */
  public UpstreamCall(MeshExchange exchange, UpstreamTransport<R> transport, boolean replayable, int attemptCap,
      String authority, String requestForwardedHost) {
    this.exchange = exchange;
    this.transport = transport;
    RoutedCall.Upstream upstream = exchange.routedUpstream();
    RetryDecider decider = exchange.chain().retry();
    // the usual call keeps what it was given; the rest is out of line, so that the constructor stays
    // small enough for the JIT to inline it into the adapter's start
    if (exchange.chain().route() != upstream.route() || !replayable || upstream.mutation().autoHostRewrite()
        || authority != exchange.authority()) {
      decider = unusual(replayable, authority, requestForwardedHost);
    }
    this.maxAttempts = (char) (decider == null || !replayable ? 1
        : Math.min(0xFFFF, Math.min((long) attemptCap, 1L + decider.numRetries())));
  }

  /**
   * The constructor's rare cases: filters' edits routed the request to another route (its own
   * decider), a request that cannot be sent again, {@code auto_host_rewrite}, or an {@code :authority}
   * the route rewrote. Returns the call's decider.
   */
  private RetryDecider unusual(boolean replayable, String authority, String requestForwardedHost) {
    RoutedCall.Upstream upstream = upstream();
    // the chain's decider is the route's unless filters' edits routed the request to another route
    if (exchange.chain().route() != upstream.route()) {
      RetryPolicy retryPolicy = upstream.route().policies().retry();
      bits = OWN_DECIDER;
      cold().decider = retryPolicy == null ? null : new RetryDecider(retryPolicy);
    }
    if (!java.util.Objects.equals(authority, exchange.authority())) {
      cold().authority = authority; // the route rewrote it: kept apart, the exchange has the usual one
    }
    if (!replayable) {
      cold().notReplayable = true; // kept in the cold holder: the call's flag bits are all taken
    }
    RequestMutation m = upstream.mutation();
    if (m.autoHostRewrite()) {
      cold().hosts = m.attemptHosts(authority, m.appendsForwardedHost() ? requestForwardedHost : null);
    }
    return decider();
  }

  /**
   * The routing decision this call started with: the exchange's ({@link MeshExchange#routedUpstream()}),
   * or, once filters' edits routed the exchange again, the one this call kept then ({@link #releasingDecision}).
   */
  private RoutedCall.Upstream upstream() {
    Cold c = cold;
    return c == null || c.upstream == null ? exchange.routedUpstream() : c.upstream;
  }

  @Override
  public void releasingDecision() {
    if (isDone() && !is(STREAMING)) {
      return; // completed and released: nothing reads the decision again (only a running stream's end does)
    }
    Cold c = cold();
    if (c.upstream == null) {
      c.upstream = exchange.routedUpstream();
    }
  }

  /** The cluster's live state (circuit breakers, outlier detector), as the decision carries it. */
  private ClusterResilience state() {
    return upstream().state();
  }

  /** The cluster's circuit-breaker thresholds (read per use: the routed cluster entry does not change). */
  private CircuitBreakers limits() {
    return limits(upstream());
  }

  private static CircuitBreakers limits(RoutedCall.Upstream upstream) {
    return upstream.cluster().cluster().resilience().circuitBreakers();
  }

  private ClusterCircuitBreaker cb() {
    return state().circuitBreaker();
  }

  /** The call's deadline as the transport holds it ({@link Long#MAX_VALUE}: unbounded). */
  private long deadlineNanos() {
    return transport.deadlineNanos();
  }

  /** The route's retry decider, or {@code null} when the route has no retry policy. */
  private RetryDecider decider() {
    return is(OWN_DECIDER) ? cold.decider : exchange.chain().retry();
  }

  /** Whether {@code callbacks} are those of the attempt in flight (a late answer of an earlier one is not). */
  private boolean isCurrent(Object callbacks) {
    if (callbacks == this) {
      return is(FIRST_IN_FLIGHT);
    }
    Cold c = cold;
    return c != null && c.token == callbacks;
  }

  /** Sets the attempt in flight by its callbacks, or none ({@code null}). */
  private void current(Object callbacks) {
    set(FIRST_IN_FLIGHT, callbacks == this);
    Cold c = cold;
    if (callbacks != this && callbacks != null) {
      cold().token = callbacks;
    } else if (c != null) {
      c.token = null;
    }
  }

  /** Whether the call has a deadline. */
  private boolean bounded() {
    return deadlineNanos() != Long.MAX_VALUE;
  }

  /** Whether retries avoid the hosts already tried ({@code retry_host_predicate} {@code previous_hosts}). */
  private boolean previousHosts() {
    return maxAttempts > 1 && decider().policy().previousHosts();
  }

  /** The route's retry policy, or {@code null}. */
  private RetryPolicy retryPolicy() {
    RetryDecider decider = decider();
    return decider == null ? null : decider.policy();
  }

  /**
   * Admits the request and sends the first attempt.
   *
   * @return this call, which completes with the response head (never exceptionally)
   */
  public CompletableFuture<ExchangeResponse> start() {
    exchange.interruptible(this);
    // the decision is read once for the whole success path and handed down: each atomic operation on the way
    // (breaker, balancer, host counters) makes the JIT read again what a method of this call reads
    RoutedCall.Upstream upstream = upstream();
    if (!upstream.state().circuitBreaker().tryAcquireRequest(limits(upstream))) {
      overflow();
      return this;
    }
    bits |= ADMITTED;
    attempt(1, upstream);
    return this;
  }

  private void overflow() {
    finish(new LocalResponse(503, ResponseFlags.UO, RESET_BODY + "overflow",
        Map.of(LocalResponse.OVERLOADED_HEADER, "true"), -1, null));
  }

  /**
   * Sends attempt {@code n}: the hot path (pick, time left, send) stays small enough for the JIT to
   * inline; retries' host choice, TLS warming and refusals are out of line.
   */
  private void attempt(int n) {
    attempt(n, upstream());
  }

  private void attempt(int n, RoutedCall.Upstream upstream) {
    Cold c = cold;
    if (c != null) {
      c.timer = null;
    }
    if (isDone()) {
      return;
    }
    UpstreamHost host = n == 1 ? pickFirst(upstream) : pickRetry(upstream, n);
    if (host == null) {
      noHealthyUpstream();
      return;
    }
    long perTry = perTryMillis();
    long timeout = attemptTimeoutMillis(perTry);
    if (timeout < 0) {
      finish(timedOut(null));
      return;
    }
    UpstreamTlsHandle tls = upstream.cluster().sockets().select(host.endpoint());
    if (tls != null && !tlsUsable(upstream, tls, n)) {
      return;
    }
    send(upstream, n, host, perTry, timeout, tls);
  }

  private UpstreamHost pickFirst(RoutedCall.Upstream upstream) {
    UpstreamHost host = upstream.state().pick(upstream.cluster().balancing().balancer(), upstream.hash(),
        upstream.cluster().balancing().hosts().size(), null,
        previousHosts() ? retryPolicy().hostSelectionRetryMaxAttempts() : 0);
    this.host = host;
    return host;
  }

  /** A retry's host: {@code previous_hosts} avoids every host tried so far (the list is made on the first retry). */
  private UpstreamHost pickRetry(RoutedCall.Upstream upstream, int n) {
    boolean previousHosts = previousHosts();
    UpstreamHost[] tried = null;
    if (previousHosts) {
      Cold c = cold();
      if (c.tried == null) {
        c.tried = new UpstreamHost[maxAttempts];
        c.tried[0] = this.host;
      }
      tried = c.tried;
    }
    UpstreamHost host = upstream.state().pick(upstream.cluster().balancing().balancer(), upstream.hash(),
        upstream.cluster().balancing().hosts().size(), tried,
        previousHosts ? retryPolicy().hostSelectionRetryMaxAttempts() : 0);
    if (host != null && previousHosts) {
      tried[n - 1] = host;
    }
    return host;
  }

  private void noHealthyUpstream() {
    finish(LocalResponse.of(503, ResponseFlags.UH, "no healthy upstream"));
  }

  /** {@code per_try_timeout} in milliseconds, 0 for none. */
  private long perTryMillis() {
    RetryPolicy retryPolicy = retryPolicy();
    return retryPolicy == null || retryPolicy.perTryTimeout() == null ? 0 : retryPolicy.perTryTimeout().toMillis();
  }

  /** The attempt's timeout in milliseconds (per try, bounded by the deadline), 0 for none, -1 when the deadline passed. */
  private long attemptTimeoutMillis(long perTry) {
    long timeout = perTry;
    if (bounded()) {
      long left = Deadline.millisUntil(deadlineNanos());
      if (left <= 0) {
        return -1;
      }
      timeout = timeout == 0 ? left : Math.min(timeout, left);
    }
    return timeout;
  }

  /**
   * Whether the attempt may go out over {@code tls}; if not, the call waits for the cluster's
   * certificate (and tries attempt {@code n} again then) or ends with 503 {@code UF}.
   */
  private boolean tlsUsable(RoutedCall.Upstream upstream, UpstreamTlsHandle tls, int n) {
    if (tls.ready()) {
      if (transport.originatesTls()) {
        return true;
      }
      finish(new LocalResponse(503, ResponseFlags.UF, RESET_BODY + "connection failure, transport failure reason: "
          + "cluster " + upstream.cluster().cluster().name() + " asks for TLS and this client's transport ("
          + transport.getClass().getSimpleName() + ") does not originate TLS", Map.of(), -1, null));
      return false;
    }
    if (!tls.warmed().isDone()) {
      // Envoy's cluster warming: the certificate is on its way (bounded by the initial fetch timeout); try again then
      tls.warmed().thenRun(() -> exchange.scheduler().execute(() -> {
        Cold c = cold;
        if (c != null && c.timer != null) {
          c.timer.cancel();
        }
        attempt(n);
      }));
      if (bounded()) { // the route's timeout still holds: nothing else times a call that has not been sent
        cold().timer = exchange.scheduler().schedule(() -> finish(timedOut(null)),
            Math.max(0, deadlineNanos() - System.nanoTime()));
      }
      return false;
    }
    // never plaintext where TLS is configured: without a certificate there is no connection to make
    finish(new LocalResponse(503, ResponseFlags.UF, RESET_BODY + "connection failure, transport failure reason: "
        + "TLS is not ready for cluster " + upstream.cluster().cluster().name() + ": " + tls.notReadyReason(),
        Map.of(), -1, null));
    return false;
  }

  /**
   * Sends attempt {@code n} to {@code host}. A first attempt the transport answers inside
   * {@code send} on the scheduler's thread (a blocking adapter's transport) is handled as soon as
   * {@code send} returns, without a trip through the scheduler.
   */
  private void send(RoutedCall.Upstream upstream, int n, UpstreamHost host, long perTry, long timeout,
      UpstreamTlsHandle tls) {
    exchange.attemptStarted(); // the exchange keeps the attempt's start when it is observed
    UpstreamTransport.Callbacks<R> callbacks = n == 1 ? this : new Token(n, host);
    String forwarded = null;
    Cold c = cold;
    String a = c == null || c.authority == null ? exchange.authority() : c.authority;
    if (c != null && c.hosts != null) {
      c.hosts.next(host.endpoint());
      a = c.hosts.authority();
      forwarded = c.hosts.forwardedHost();
    }
    current(callbacks);
    host.onRequestStart();
    bits |= SENDING;
    try {
      handle = transport.send(new UpstreamTransport.Attempt(host, n, a, forwarded,
          upstream.route().policies().includeAttemptCount(), perTry, timeout,
          upstream.cluster().cluster().optionsOrNone().connectTimeoutMs(), tls), callbacks);
    } catch (RuntimeException e) {
      bits &= ~(SENDING | SYNC_ANSWER);
      sendFailed(host, e);
      return;
    }
    bits &= ~SENDING;
    if (is(SYNC_ANSWER)) {
      bits &= ~SYNC_ANSWER;
      firstAnswered(upstream);
    }
  }

  private void sendFailed(UpstreamHost host, RuntimeException e) {
    current(null);
    host.onRequestEnd();
    finish(new LocalResponse(500, "", "mesh: the attempt could not start: " + e, Map.of(), -1, e));
  }

  /**
   * The first attempt's response head (called by the transport, on any thread, once): handled when
   * {@code send} returns if it comes from inside {@code send} on the scheduler's thread, else handed
   * to the exchange's scheduler.
   */
  @Override
  public void onResponse(R response, boolean complete) {
    this.answer = response;
    this.firstComplete = complete;
    answered();
  }

  /** The first attempt's failure (called by the transport, on any thread, once): as {@link #onResponse}. */
  @Override
  public void onFailure(Exception failure, Outcome outcome) {
    this.answer = new FirstFailure(failure, outcome); // failures are rare: no fields of their own
    answered();
  }

  private void answered() {
    CallScheduler s = exchange.scheduler();
    // SENDING is the scheduler thread's: another thread may read it stale, and then is not that thread
    if (is(SENDING) && s.runsOnCurrentThread()) {
      bits |= SYNC_ANSWER;
      return;
    }
    s.execute(this);
  }

  /**
   * Runs the first attempt's answer on the exchange's scheduler (the task {@link #onResponse} hands
   * it).
   */
  @Override
  @SuppressWarnings("unchecked") // answer is what onResponse was given unless a FirstFailure
  public void run() {
    firstAnswered(upstream());
  }

  @SuppressWarnings("unchecked") // answer is what onResponse was given unless a FirstFailure
  private void firstAnswered(RoutedCall.Upstream upstream) {
    if (answer instanceof FirstFailure f) {
      onAttemptFailure(this, 1, host, f.failure, f.outcome);
    } else {
      onAttemptResponse(this, 1, host, (R) answer, firstComplete, upstream);
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
    private R response;
    private boolean complete;
    private boolean failed;
    private Exception failure;
    private Outcome outcome;

    Token(int n, UpstreamHost host) {
      this.n = n;
      this.host = host;
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
        onAttemptFailure(this, n, host, failure, outcome);
      } else {
        onAttemptResponse(this, n, host, response, complete, upstream());
      }
    }
  }

  /** Attempt {@code n}'s response head, {@code callbacks} being its callbacks (stale unless current). */
  private void onAttemptResponse(Object callbacks, int n, UpstreamHost host, R response,
      boolean complete, RoutedCall.Upstream upstream) {
    if (!isCurrent(callbacks) || isDone()) {
      transport.discard(response);
      return;
    }
    current(null);
    handle = null;
    Outcome outcome = transport.outcome(response);
    if (complete) {
      host.onRequestEnd();
    }
    observe(n, host, outcome);
    Cold c = cold;
    if (c != null && c.interruption != null) {
      transport.discard(response);
      finish(c.interruption);
      return;
    }
    if (is(CANCELLED)) {
      finish(response, outcome, "", null);
      return;
    }
    ClusterResilience state = upstream.state();
    if (complete) {
      record(state, host, outcome);
    }
    RetryDecider decider = decider();
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
      this.host = host;
      set(STREAMING, true);
    }
    finish(response, outcome, flags, state.circuitBreaker());
  }

  /** Attempt {@code n}'s failure, {@code callbacks} being its callbacks (stale unless current). */
  private void onAttemptFailure(Object callbacks, int n, UpstreamHost host, Exception failure,
      Outcome outcome) {
    if (!isCurrent(callbacks) || isDone()) {
      return;
    }
    current(null);
    handle = null;
    host.onRequestEnd();
    LocalResponse interruption = interruption();
    if (interruption != null) {
      finish(interruption);
      return;
    }
    if (outcome == null || is(CANCELLED)) {
      if (exchange.observed()) {
        exchange.attemptEnded(n, host.hostAndPort(), 0, "cancelled", exchange.attemptNanos(),
            host.endpoint().workload());
      }
      finish(new LocalResponse(499, "DC", "downstream cancelled", Map.of(), -1, failure));
      return;
    }
    boolean expired = bounded() && deadlineNanos() - System.nanoTime() <= Deadline.SLACK_NANOS;
    if (!expired && outcome.unprocessed() && replayUnprocessed(n)) {
      return; // attempt n goes on: observers see its one end, the replay's (it keeps its number)
    }
    observe(n, host, outcome);
    if (expired) {
      finish(timedOut(failure));
      return;
    }
    record(host, outcome);
    RetryDecider decider = decider();
    boolean retriable = decider != null && decider.retriable(outcome);
    if (retriable && retry(n, null)) {
      return;
    }
    if (isDone()) {
      return;
    }
    finish(failed(outcome, failure, retriable && maxAttempts > 1 ? ResponseFlags.URX : ""));
  }

  private void observe(int n, UpstreamHost host, Outcome outcome) {
    if (!exchange.observed()) {
      exchange.attemptsMade(n);
      return;
    }
    exchange.attemptEnded(n, host.hostAndPort(), outcome.isResponse() ? outcome.httpStatus() : 0,
        failureName(outcome.kind()), exchange.attemptNanos(), host.endpoint().workload());
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
    record(state(), host, outcome);
  }

  private static void record(ClusterResilience state, UpstreamHost host, Outcome outcome) {
    OutlierDetector od = state.outlier();
    if (od == null) {
      return;
    }
    // the detector's clock only decides whether its interval sweep is due (seconds apart): the coarse
    // clock's reading (at most about 1 ms behind) spares the success path a precise clock read
    if (outcome.isResponse()) {
      od.recordStatus(host, outcome.httpStatus(), CoarseClock.nanoTime());
    } else {
      od.recordLocalOriginFailure(host, CoarseClock.nanoTime());
    }
  }

  /**
   * gRFC A6's transparent retry, kept by the router since the gRPC adapter's channels run without grpc-java's retry:
   * attempt {@code n}, which the upstream never processed ({@link Outcome#unprocessed()}), is sent again at once on
   * a fresh pick (the load balancer's; the refusing host may come again and then gets a new connection), once per
   * call. It is not a retry: it does not count against {@code num_retries}, takes no {@code max_retries} slot or
   * back-off, keeps the attempt's number ({@code x-envoy-attempt-count}), and is not an outlier-detection failure
   * (a refusal is a draining connection, not an unhealthy host), and observers (telemetry, the filter SPI's
   * {@code onAttempt}) see no end of the refused stream: the attempt's one end is its replay's, so attempt numbers
   * stay unique and {@code retry.attempt} / {@code %UPSTREAM_REQUEST_ATTEMPT_COUNT%} match {@code x-envoy-attempt-count},
   * as Envoy's connection pool moving a request to a new connection is invisible to its router. Envoy's
   * {@code retry_on: refused-stream} keeps its
   * meaning for what follows: a second unprocessed attempt is {@code refused-stream} (a counted retry when
   * {@code retry_on} allows it, else 503 {@code UR}). A request that cannot be sent again (a client stream, or one
   * that outgrew the retry buffer) is not replayed.
   *
   * @return whether the replay was scheduled
   */
  private boolean replayUnprocessed(int n) {
    Cold c = cold();
    if (c.notReplayable || c.replayed) {
      return false;
    }
    c.replayed = true;
    exchange.scheduler().execute(() -> attempt(n));
    return true;
  }

  /**
   * Schedules attempt {@code n + 1} after the back-off; false when no attempt is left or the retry
   * breaker refuses. When the deadline passes during the back-off, the exchange ends with 504 UT.
   */
  private boolean retry(int n, R response) {
    if (n >= maxAttempts) {
      return false;
    }
    if (is(RETRYING)) {
      cb().releaseRetry();
      set(RETRYING, false);
    }
    if (!cb().tryAcquireRetry(limits())) {
      return false;
    }
    set(RETRYING, true);
    if (response != null) {
      transport.discard(response);
    }
    RetryPolicy retryPolicy = retryPolicy();
    long wait = new RetryBackoff(retryPolicy.baseInterval(), retryPolicy.maxInterval()).nextMillis(n);
    boolean bounded = bounded();
    long left = bounded ? deadlineNanos() - System.nanoTime() : Long.MAX_VALUE;
    if (bounded && TimeUnit.NANOSECONDS.toMillis(left) <= wait) {
      cold().timer = exchange.scheduler().schedule(() -> finish(timedOut(null)), Math.max(0, left));
      return true;
    }
    int next = n + 1;
    if (wait <= 0) {
      exchange.scheduler().execute(() -> attempt(next));
    } else {
      cold().timer = exchange.scheduler().schedule(() -> attempt(next), TimeUnit.MILLISECONDS.toNanos(wait));
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
    cold().notReplayable = true;
    if (isDone() || maxAttempts == 1) {
      return;
    }
    maxAttempts = 1;
    if (!is(FIRST_IN_FLIGHT) && (cold == null || cold.token == null) && is(RETRYING)) {
      Cold c = cold;
      if (c != null && c.timer != null) {
        c.timer.cancel();
        c.timer = null;
      }
      finish(new LocalResponse(507, "", "exceeded request buffer limit while retrying upstream", Map.of(), -1, null));
    }
  }

  /** The caller cancelled: an attempt in flight is cancelled (its result ends the exchange), a back-off ends now. */
  public void cancel() {
    if (isDone()) {
      return;
    }
    set(CANCELLED, true);
    if (!stopWaiting()) {
      finish(new LocalResponse(499, "DC", "downstream cancelled", Map.of(), -1, null));
    }
  }

  @Override
  public void interrupt(LocalResponse reply) {
    if (isDone()) {
      return;
    }
    cold().interruption = reply;
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
    if (!(handle instanceof Outcome) || answer == null) {
      return; // it answered locally, or let go already: nothing is held
    }
    @SuppressWarnings("unchecked") // with an outcome, the answer is the response head it completed with
    R r = (R) answer;
    answer = null;
    transport.discard(r);
    if (is(STREAMING)) {
      set(STREAMING, false);
      host.onRequestEnd();
      release();
    }
  }

  /** Cancels the attempt in flight and returns true, or stops a back-off and returns false. */
  private boolean stopWaiting() {
    if (handle instanceof UpstreamTransport.InFlight f) {
      f.cancel();
      return true;
    }
    Cold c = cold;
    if (c != null && c.timer != null) {
      c.timer.cancel();
      c.timer = null;
    }
    return false;
  }

  /**
   * The committed attempt's stream ended (adapters whose response head does not end the attempt):
   * its final outcome goes to outlier detection and the request leaves the circuit breaker.
   */
  public void streamEnded(Outcome finalOutcome) {
    if (!is(STREAMING)) {
      return;
    }
    set(STREAMING, false);
    UpstreamHost h = host;
    h.onRequestEnd();
    if (!is(CANCELLED) && interruption() == null && finalOutcome != null) {
      record(h, finalOutcome);
    }
    release();
  }

  /**
   * Completes with the upstream's response: this call is that response. {@code cb} is the cluster's circuit
   * breaker when the caller has it at hand, else {@code null} (read when something is released).
   */
  private void finish(R r, Outcome o, String flags, ClusterCircuitBreaker cb) {
    if (isDone()) {
      return;
    }
    this.answer = r;
    this.handle = o;
    if (!flags.isEmpty()) {
      cold().responseFlags = flags;
    }
    finish(this, cb);
  }

  @Override
  @SuppressWarnings("unchecked") // set with the outcome by finish(R, ...)
  public R response() {
    return (R) answer;
  }

  @Override
  public Outcome outcome() {
    return handle instanceof Outcome o ? o : null;
  }

  @Override
  public String responseFlags() {
    Cold c = cold;
    return c == null || c.responseFlags == null ? "" : c.responseFlags;
  }

  private void finish(ExchangeResponse r) {
    finish(r, null);
  }

  private void finish(ExchangeResponse r, ClusterCircuitBreaker cb) {
    if (isDone()) {
      return;
    }
    if (!is(STREAMING)) {
      release(cb);
    }
    complete(r);
    transport.answered(r);
  }

  private void release() {
    release(null);
  }

  /** Leaves the breaker's retry and request slots this call holds ({@code cb}: the breaker, or {@code null} to read it). */
  private void release(ClusterCircuitBreaker cb) {
    if (is(RETRYING)) {
      (cb == null ? cb() : cb).releaseRetry();
      set(RETRYING, false);
    }
    if (is(ADMITTED)) {
      (cb == null ? cb() : cb).releaseRequest();
      set(ADMITTED, false);
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
