package io.bowline.runtime.resilience;

import io.bowline.api.config.CircuitBreakers;
import io.bowline.api.config.RetryPolicy;
import io.bowline.api.config.RoutePolicies;
import io.bowline.runtime.lb.UpstreamHost;
import io.bowline.runtime.resilience.circuitbreaker.ClusterCircuitBreaker;
import io.bowline.runtime.resilience.outlier.OutlierDetector;
import io.bowline.runtime.resilience.retry.RetryBackoff;
import io.bowline.runtime.resilience.retry.RetryDecider;
import io.bowline.runtime.resilience.timeout.Deadline;
import io.bowline.runtime.snapshot.ClusterEntry;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's router for one upstream call, transport-agnostic: circuit-breaker admission
 * ({@code max_requests}/{@code max_pending_requests}, overflow 503 {@code UO}), then attempts —
 * each picks a host (ejected hosts skipped, {@code previous_hosts} honoured), sends through the
 * {@link Transport}, and reports the result to outlier detection — retried per the route's
 * {@code RetryPolicy} (conditions, {@code num_retries}, fully jittered back-off,
 * {@code max_retries} breaker) within the route timeout ({@link Deadline}). Transports map their
 * results to {@link Outcome}s; the loop answers with the response to return or a local reply.
 *
 * @param <R> the transport's response type
 */
public final class AttemptLoop<R> {

  /** One transport's way of sending an attempt and describing its result. */
  public interface Transport<R> {
    /**
     * Sends one attempt.
     *
     * @param host the endpoint
     * @param attempt 1 for the first try, +1 per retry ({@code x-envoy-attempt-count})
     * @param attemptTimeoutMillis how long this attempt may take: {@code per_try_timeout} and the
     *     time left before the route timeout, whichever is smaller; 0 for no limit
     */
    R send(UpstreamHost host, int attempt, long attemptTimeoutMillis) throws Exception;

    /** The outcome of a response. */
    Outcome classify(R response);

    /**
     * The outcome of a failure thrown by {@link #send}, or {@code null} when it is not an upstream
     * failure (e.g. the caller cancelled): the loop then rethrows it.
     */
    Outcome classify(Exception failure);

    /** Releases a response that will not be returned (it is being retried). */
    void discard(R response);
  }

  /** What the call ends with: an upstream response, or a local reply. */
  public sealed interface Result<R> {}

  /**
   * An upstream response.
   *
   * @param response the transport's response
   * @param responseFlags flags for the access log ({@code URX} when retries ran out), or {@code ""}
   */
  public record Upstream<R>(R response, String responseFlags) implements Result<R> {}

  /**
   * A local reply.
   *
   * @param status HTTP status (503, 504)
   * @param responseFlags e.g. {@code UO}, {@code UT}, {@code UF,URX}
   * @param body body text
   * @param overloaded whether to send {@code x-envoy-overloaded: true}
   * @param cause the last transport failure, or {@code null}
   */
  public record Local<R>(int status, String responseFlags, String body, boolean overloaded, Exception cause)
      implements Result<R> {}

  private final Resilience resilience;

  public AttemptLoop(Resilience resilience) {
    this.resilience = resilience;
  }

  /**
   * Runs the call.
   *
   * @param cluster the chosen cluster
   * @param policies the route's policies
   * @param replayable whether the request can be sent more than once (buffered body or none)
   * @param deadline set just now from {@link Deadline#of}{@code (policies.timeouts())} (the loop
   *     derives the call's start time from it instead of reading the clock again)
   * @param transport the adapter
   * @throws InterruptedException if the caller's thread is interrupted during back-off
   * @throws Exception a failure the transport did not classify, or a {@link RuntimeException}
   *     from the transport, unchanged
   */
  public Result<R> run(
      ClusterEntry cluster, RoutePolicies policies, boolean replayable, Deadline deadline, Transport<R> transport)
      throws Exception {
    return run(cluster, policies, io.bowline.runtime.lb.LoadBalancer.NO_HASH, replayable, deadline, transport);
  }

  /**
   * Runs the call with a request hash for consistent-hash balancers ({@code hash_policy};
   * {@code LoadBalancer.NO_HASH} for none).
   */
  public Result<R> run(
      ClusterEntry cluster, RoutePolicies policies, long hash, boolean replayable, Deadline deadline,
      Transport<R> transport) throws Exception {
    ClusterResilience state = resilience.cluster(cluster);
    ClusterCircuitBreaker cb = state.circuitBreaker();
    CircuitBreakers limits = cluster.cluster().resilience().circuitBreakers();
    if (!cb.tryAcquireRequest(limits)) {
      return new Local<>(503, ResponseFlags.UO, "upstream connect error or disconnect/reset before headers. reset reason: overflow", true, null);
    }
    try {
      return attempts(cluster, state, cb, limits, policies, hash, replayable, deadline, transport);
    } finally {
      cb.releaseRequest();
    }
  }

  private Result<R> attempts(
      ClusterEntry cluster, ClusterResilience state, ClusterCircuitBreaker cb, CircuitBreakers limits,
      RoutePolicies policies, long hash, boolean replayable, Deadline deadline, Transport<R> transport)
      throws Exception {
    RetryPolicy rp = policies.retry();
    RetryDecider decider = rp == null ? null : resilience.retry(rp);
    int maxAttempts = decider == null || !replayable ? 1 : 1 + decider.numRetries();
    boolean previousHosts = decider != null && rp.previousHosts() && maxAttempts > 1;
    UpstreamHost[] tried = null; // allocated on the first retry: the success path allocates nothing here
    UpstreamHost first = null;
    long selection = rp == null ? 0 : rp.hostSelectionRetryMaxAttempts();
    long perTryMillis = rp == null || rp.perTryTimeout() == null ? 0 : rp.perTryTimeout().toMillis();
    OutlierDetector od = state.outlier();
    int hostCount = cluster.balancing().hosts().size();
    boolean retrying = false;
    long timeoutNanos = Deadline.of(policies.timeouts()).toNanos(); // the deadline was set this long before its end
    try {
      for (int attempt = 1; ; attempt++) {
        if (previousHosts && attempt == 2) {
          tried = new UpstreamHost[maxAttempts];
          tried[0] = first;
        }
        UpstreamHost host = state.pick(cluster.balancing().balancer(), hash, hostCount, tried, selection);
        if (host == null) {
          return new Local<>(503, ResponseFlags.UH, "no healthy upstream", false, null);
        }
        if (previousHosts) {
          if (attempt == 1) {
            first = host;
          } else {
            tried[attempt - 1] = host;
          }
        }
        long perTry = perTryMillis;
        if (deadline.bounded()) {
          long left = attempt == 1 ? Math.max(1, timeoutNanos / 1_000_000) : deadline.remainingMillis();
          if (left <= 0) {
            return timedOut(null);
          }
          perTry = perTry == 0 ? left : Math.min(perTry, left);
        }
        R response = null;
        Exception failure = null;
        Outcome outcome;
        host.onRequestStart();
        try {
          response = transport.send(host, attempt, perTry);
          outcome = transport.classify(response);
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) {
          failure = e;
          if (deadline.expiredOrDue()) {
            return timedOut(e);
          }
          outcome = transport.classify(e);
          if (outcome == null) {
            throw e;
          }
        } finally {
          host.onRequestEnd();
        }
        if (od != null) {
          // one clock read per call on the success path: the deadline's start serves the sweep check
          long now = attempt == 1 && deadline.bounded() ? deadline.deadlineNanos() - timeoutNanos : System.nanoTime();
          if (outcome.isResponse()) {
            od.recordStatus(host, outcome.httpStatus(), now);
          } else {
            od.recordLocalOriginFailure(host, now);
          }
        }
        boolean retriable = decider != null && decider.retriable(outcome);
        if (!retriable) {
          return finish(response, outcome, failure, "");
        }
        if (attempt >= maxAttempts) {
          return finish(response, outcome, failure, maxAttempts > 1 ? ResponseFlags.URX : "");
        }
        if (retrying) {
          cb.releaseRetry();
          retrying = false;
        }
        if (!cb.tryAcquireRetry(limits)) {
          return finish(response, outcome, failure, ResponseFlags.URX);
        }
        retrying = true;
        long wait = new RetryBackoff(rp.baseInterval(), rp.maxInterval()).nextMillis(attempt);
        if (deadline.bounded() && TimeUnit.NANOSECONDS.toMillis(deadline.remainingNanos()) <= wait) {
          if (response != null) {
            transport.discard(response);
          }
          sleepNanos(Math.max(0, deadline.remainingNanos()));
          return timedOut(failure);
        }
        if (response != null) {
          transport.discard(response);
        }
        if (wait > 0) {
          sleepNanos(TimeUnit.MILLISECONDS.toNanos(wait));
        }
      }
    } finally {
      if (retrying) {
        cb.releaseRetry();
      }
    }
  }

  private static void sleepNanos(long nanos) throws InterruptedException {
    if (nanos > 0) {
      TimeUnit.NANOSECONDS.sleep(nanos);
    }
  }

  private Local<R> timedOut(Exception cause) {
    return new Local<>(504, ResponseFlags.UT, "upstream request timeout", false, cause);
  }

  private Result<R> finish(R response, Outcome outcome, Exception failure, String flags) {
    if (response != null) {
      return new Upstream<>(response, flags);
    }
    switch (outcome.kind()) {
      case PER_TRY_TIMEOUT:
        return new Local<>(504, ResponseFlags.join(ResponseFlags.UT, flags), "upstream request timeout", false, failure);
      case CONNECT_FAILURE:
        return new Local<>(503, ResponseFlags.join(ResponseFlags.UF, flags),
            "upstream connect error or disconnect/reset before headers. reset reason: connection failure", false, failure);
      case REFUSED_STREAM:
        return new Local<>(503, ResponseFlags.join(ResponseFlags.UR, flags),
            "upstream connect error or disconnect/reset before headers. reset reason: remote refused stream reset", false, failure);
      case RESET:
      default:
        return new Local<>(503, ResponseFlags.join("UC", flags),
            "upstream connect error or disconnect/reset before headers. reset reason: connection termination", false, failure);
    }
  }
}
