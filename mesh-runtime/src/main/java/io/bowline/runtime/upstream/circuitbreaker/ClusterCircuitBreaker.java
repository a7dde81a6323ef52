package io.bowline.runtime.upstream.circuitbreaker;

import io.bowline.api.config.CircuitBreakers;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's cluster circuit breakers ({@code CircuitBreakers.thresholds}, priority DEFAULT): plain
 * counters, shared by every call to the cluster in this process, that reject when over the limit.
 * Not resilience4j's CircuitBreaker (Envoy has no open/half-open state machine) nor its Bulkhead
 * (limits here change with each config update while the counts carry over).
 *
 * <p>{@code max_connections} is best effort: an in-process client does not own the connection
 * pool, so a request beyond {@code max_connections} concurrent exchanges counts as pending (as an
 * HTTP/1 request waiting for a connection would) and is rejected when pending requests exceed
 * {@code max_pending_requests}; it is not queued.
 */
public final class ClusterCircuitBreaker {
  private final AtomicLong active = new AtomicLong();
  private final AtomicLong activeRetries = new AtomicLong();
  private final AtomicLong overflows = new AtomicLong();
  private final AtomicLong retryOverflows = new AtomicLong();
  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong connectionOverflows = new AtomicLong();

  /**
   * Admits one request, or returns {@code false} (overflow: 503 {@code UO} +
   * {@code x-envoy-overloaded}). Call {@link #releaseRequest()} when an admitted request ends.
   */
  public boolean tryAcquireRequest(CircuitBreakers limits) {
    long limit = Math.min(limits.maxRequests(), saturatedAdd(limits.maxConnections(), limits.maxPendingRequests()));
    long n = active.incrementAndGet();
    if (n > limit) {
      active.decrementAndGet();
      overflows.incrementAndGet();
      return false;
    }
    return true;
  }

  /** Ends a request admitted by {@link #tryAcquireRequest}. */
  public void releaseRequest() {
    active.decrementAndGet();
  }

  /**
   * Admits one retry ({@code max_retries}, or the {@code retry_budget} when set), or returns
   * {@code false} (stat {@code upstream_rq_retry_overflow}: return the last failure).
   */
  public boolean tryAcquireRetry(CircuitBreakers limits) {
    long limit = limits.hasRetryBudget()
        ? Math.max(limits.minRetryConcurrency(), (long) (limits.budgetPercent() / 100.0 * active.get()))
        : limits.maxRetries();
    long n = activeRetries.incrementAndGet();
    if (n > limit) {
      activeRetries.decrementAndGet();
      retryOverflows.incrementAndGet();
      return false;
    }
    return true;
  }

  /** Ends a retry admitted by {@link #tryAcquireRetry}. */
  public void releaseRetry() {
    activeRetries.decrementAndGet();
  }

  /**
   * Admits one upstream connection the caller owns (a TCP proxy's), or returns {@code false} when
   * {@code max_connections} are open (stat {@code upstream_cx_overflow}; Envoy's {@code tcp_proxy} then closes
   * the downstream connection, flag {@code UO}). Call {@link #releaseConnection()} when it closes.
   *
   * @param limits the cluster's thresholds
   * @return whether the connection may be opened
   */
  public boolean tryAcquireConnection(CircuitBreakers limits) {
    if (connections.incrementAndGet() > limits.maxConnections()) {
      connections.decrementAndGet();
      connectionOverflows.incrementAndGet();
      return false;
    }
    return true;
  }

  /** Ends a connection admitted by {@link #tryAcquireConnection}. */
  public void releaseConnection() {
    connections.decrementAndGet();
  }

  /** Connections admitted by {@link #tryAcquireConnection} and still open (stat {@code upstream_cx_active}). */
  public long activeConnections() {
    return connections.get();
  }

  /** Connections refused by {@link #tryAcquireConnection} ({@code upstream_cx_overflow}). */
  public long connectionOverflows() {
    return connectionOverflows.get();
  }

  /** Requests in flight (stat {@code upstream_rq_active}). */
  public long activeRequests() {
    return active.get();
  }

  /** Retries in flight. */
  public long activeRetries() {
    return activeRetries.get();
  }

  /** Requests rejected ({@code upstream_rq_pending_overflow}). */
  public long overflows() {
    return overflows.get();
  }

  /** Retries not attempted ({@code upstream_rq_retry_overflow}). */
  public long retryOverflows() {
    return retryOverflows.get();
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return r < 0 ? Long.MAX_VALUE : r;
  }
}
