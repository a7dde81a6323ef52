package io.bowline.api.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Envoy {@code extensions.filters.http.ratelimit.v3.RateLimit} (filter
 * {@code envoy.filters.http.ratelimit}): asks the rate limit service
 * ({@code envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit}) about the descriptors a
 * route's {@link RouteRateLimits} make of a request. {@code OVER_LIMIT} is answered locally with
 * {@link #rateLimitedStatus()} (flag {@code RL}); a failed or late call passes, or with
 * {@link #failureModeDeny()} is answered with {@link #statusOnError()} (flag {@code RLSE}).
 *
 * @param domain {@code domain}
 * @param stage {@code stage} (0–10): the route entries with this stage are used
 * @param timeout {@code timeout} (Envoy's default 20 ms)
 * @param failureModeDeny {@code failure_mode_deny}
 * @param rateLimitedAsResourceExhausted {@code rate_limited_as_resource_exhausted}: gRPC calls get
 *     {@code RESOURCE_EXHAUSTED} instead of the status mapped from {@link #rateLimitedStatus()}
 * @param serviceCluster {@code rate_limit_service.grpc_service.envoy_grpc.cluster_name}
 * @param xRateLimitHeaders {@code enable_x_ratelimit_headers: DRAFT_VERSION_03}: add
 *     {@code x-ratelimit-limit}, {@code -remaining} and {@code -reset} to responses
 * @param disableXEnvoyRateLimitedHeader {@code disable_x_envoy_ratelimited_header}
 * @param rateLimitedStatus {@code rate_limited_status.code} (default 429)
 * @param statusOnError {@code status_on_error.code} (default 500)
 * @param responseHeaders {@code response_headers_to_add}: added to the rate-limited reply
 * @param filterEnabled {@code filter_enabled.default_value} ({@link FractionalPercent#ALWAYS} when unset)
 * @param filterEnforced {@code filter_enforced.default_value} ({@link FractionalPercent#ALWAYS} when unset)
 */
public record GlobalRateLimitPolicy(
    String domain, int stage, Duration timeout, boolean failureModeDeny, boolean rateLimitedAsResourceExhausted,
    String serviceCluster, boolean xRateLimitHeaders, boolean disableXEnvoyRateLimitedHeader, int rateLimitedStatus,
    int statusOnError, List<HeaderValueOption> responseHeaders, FractionalPercent filterEnabled,
    FractionalPercent filterEnforced) {
  /** Envoy's default {@code timeout}. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(20);

  /**
   * Checks the components and keeps an immutable copy of the headers.
   *
   * @param domain {@code domain}, not empty
   * @param stage {@code stage}, in [0, 10]
   * @param timeout {@code timeout}, &gt; 0
   * @param failureModeDeny {@code failure_mode_deny}
   * @param rateLimitedAsResourceExhausted {@code rate_limited_as_resource_exhausted}
   * @param serviceCluster the rate limit service's cluster, not empty
   * @param xRateLimitHeaders whether {@code x-ratelimit-*} headers are added
   * @param disableXEnvoyRateLimitedHeader {@code disable_x_envoy_ratelimited_header}
   * @param rateLimitedStatus the status of a rate-limited reply, in [400, 600)
   * @param statusOnError the status of a reply when the service failed, in [400, 600)
   * @param responseHeaders {@code response_headers_to_add}
   * @param filterEnabled the share of requests checked
   * @param filterEnforced the share of limited requests answered locally
   * @throws NullPointerException if a component is {@code null}
   * @throws IllegalArgumentException if a component is outside the range its description gives
   */
  public GlobalRateLimitPolicy {
    Objects.requireNonNull(filterEnabled, "filterEnabled");
    Objects.requireNonNull(filterEnforced, "filterEnforced");
    responseHeaders = List.copyOf(responseHeaders);
    if (domain == null || domain.isEmpty()) {
      throw new IllegalArgumentException("rate limit domain must not be empty");
    }
    if (serviceCluster == null || serviceCluster.isEmpty()) {
      throw new IllegalArgumentException("rate limit service cluster must not be empty");
    }
    if (stage < 0 || stage > 10) {
      throw new IllegalArgumentException("rate limit stage must be in [0, 10], was " + stage);
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("rate limit timeout must be > 0");
    }
    if (rateLimitedStatus < 400 || rateLimitedStatus >= 600 || statusOnError < 400 || statusOnError >= 600) {
      throw new IllegalArgumentException("rate limit statuses must be in [400, 600)");
    }
  }
}
