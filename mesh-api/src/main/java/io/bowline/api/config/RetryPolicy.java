package io.bowline.api.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Envoy {@code config.route.v3.RetryPolicy}.
 *
 * @param retryOn the {@code retry_on} tokens (comma-separated in the proto), e.g. {@code 5xx},
 *     {@code gateway-error}, {@code reset}, {@code connect-failure}, {@code retriable-4xx},
 *     {@code refused-stream}, {@code retriable-status-codes}, {@code retriable-headers}, and the
 *     gRPC ones {@code cancelled}, {@code deadline-exceeded}, {@code internal},
 *     {@code resource-exhausted}, {@code unavailable}
 * @param numRetries {@code num_retries}; Envoy's default is 1 when a policy exists
 * @param perTryTimeout {@code per_try_timeout}, or {@code null} (the route timeout is the only limit)
 * @param retriableStatusCodes {@code retriable_status_codes}
 * @param retriableHeaders {@code retriable_headers}: any match makes a response retriable
 * @param baseInterval {@code retry_back_off.base_interval} (default 25 ms, at least 1 ms)
 * @param maxInterval {@code retry_back_off.max_interval} (default 10 × base)
 * @param previousHosts whether {@code retry_host_predicate} holds
 *     {@code envoy.retry_host_predicates.previous_hosts}
 * @param hostSelectionRetryMaxAttempts {@code host_selection_retry_max_attempts} (default 1)
 */
public record RetryPolicy(
    Set<String> retryOn,
    int numRetries,
    Duration perTryTimeout,
    Set<Integer> retriableStatusCodes,
    List<HeaderMatcher> retriableHeaders,
    Duration baseInterval,
    Duration maxInterval,
    boolean previousHosts,
    long hostSelectionRetryMaxAttempts) {
  /** Envoy's default back-off base interval. */
  public static final Duration DEFAULT_BASE_INTERVAL = Duration.ofMillis(25);

  /**
   * Checks the components and keeps immutable copies of its collections.
   *
   * @param retryOn the {@code retry_on} tokens (comma-separated in the proto), e.g. {@code 5xx}, {@code
   *     gateway-error}, {@code reset}, {@code connect-failure}, {@code retriable-4xx}, {@code refused-stream},
   *     {@code retriable-status-codes}, {@code retriable-headers}, and the gRPC ones {@code cancelled}, {@code
   *     deadline-exceeded}, {@code internal}, {@code resource-exhausted}, {@code unavailable}
   * @param numRetries {@code num_retries}; Envoy's default is 1 when a policy exists
   * @param perTryTimeout {@code per_try_timeout}, or {@code null} (the route timeout is the only limit)
   * @param retriableStatusCodes {@code retriable_status_codes}
   * @param retriableHeaders {@code retriable_headers}: any match makes a response retriable
   * @param baseInterval {@code retry_back_off.base_interval} (default 25 ms, at least 1 ms)
   * @param maxInterval {@code retry_back_off.max_interval} (default 10 × base)
   * @param previousHosts whether {@code retry_host_predicate} holds {@code
   *     envoy.retry_host_predicates.previous_hosts}
   * @param hostSelectionRetryMaxAttempts {@code host_selection_retry_max_attempts} (default 1)
   * @throws NullPointerException if a required component is {@code null}
   * @throws IllegalArgumentException if a component is outside the range its description gives
   */
  public RetryPolicy {
    retryOn = Set.copyOf(retryOn);
    retriableStatusCodes = Set.copyOf(retriableStatusCodes);
    retriableHeaders = List.copyOf(retriableHeaders);
    Objects.requireNonNull(baseInterval, "baseInterval");
    Objects.requireNonNull(maxInterval, "maxInterval");
    if (numRetries < 0) {
      throw new IllegalArgumentException("num_retries must be >= 0, was " + numRetries);
    }
    if (maxInterval.compareTo(baseInterval) < 0) {
      throw new IllegalArgumentException(
          "retry_back_off.max_interval " + maxInterval + " is below base_interval " + baseInterval);
    }
  }
}
