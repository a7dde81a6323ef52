package io.bowline.api.config;

/**
 * Envoy {@code config.cluster.v3.CircuitBreakers.thresholds} for priority DEFAULT: cluster-wide
 * limits, counted process-wide. Values are unsigned 32-bit in the proto (up to 4294967295).
 *
 * @param maxConnections {@code max_connections} (default 1024)
 * @param maxPendingRequests {@code max_pending_requests} (default 1024)
 * @param maxRequests {@code max_requests} (default 1024)
 * @param maxRetries {@code max_retries} (default 3); replaced by the budget when one is set
 * @param budgetPercent {@code retry_budget.budget_percent} in percent (0–100), or -1 if no budget
 * @param minRetryConcurrency {@code retry_budget.min_retry_concurrency} (default 3)
 */
public record CircuitBreakers(
    long maxConnections, long maxPendingRequests, long maxRequests, long maxRetries,
    double budgetPercent, long minRetryConcurrency) {
  /** Envoy's defaults: 1024 / 1024 / 1024 / 3, no retry budget. */
  public static final CircuitBreakers ENVOY_DEFAULT = new CircuitBreakers(1024, 1024, 1024, 3, -1, 3);

  /**
   * Whether a {@code retry_budget} replaces {@code max_retries}.
   *
   * @return {@code true} when the budget is set
   */
  public boolean hasRetryBudget() {
    return budgetPercent >= 0;
  }
}
