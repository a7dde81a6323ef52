package io.bowline.api.config;

import java.util.List;
import java.util.Objects;

/**
 * The resilience and traffic-experiment settings of one route: Envoy {@code RouteAction.timeout},
 * {@code max_stream_duration}, {@code retry_policy} (route-level, else the virtual host's),
 * {@code request_mirror_policies} (most specific non-empty list), the per-route
 * {@code typed_per_filter_config["envoy.filters.http.fault"]} and
 * {@code ["envoy.filters.http.local_ratelimit"]}, and the virtual host's
 * {@code include_request_attempt_count}.
 *
 * @param timeouts route timeouts
 * @param retry the retry policy, or {@code null} for no retries
 * @param mirrors mirror policies, in order
 * @param fault the fault to inject, or {@code null}
 * @param includeAttemptCount whether to send {@code x-envoy-attempt-count} upstream
 * @param localRateLimit the local rate limit that applies, or {@code null}
 * @param rateLimits the route's and virtual host's {@code rate_limits} ({@link RouteRateLimits#NONE} for none)
 * @param globalRateLimit the listener's {@code envoy.filters.http.ratelimit} config, or {@code null}
 *     when the listener has no such filter
 */
public record RoutePolicies(
    RouteTimeouts timeouts, RetryPolicy retry, List<MirrorPolicy> mirrors, FaultPolicy fault,
    boolean includeAttemptCount, LocalRateLimitPolicy localRateLimit, RouteRateLimits rateLimits,
    GlobalRateLimitPolicy globalRateLimit) {
  /** What a route action without any of these fields means to Envoy: 15 s timeout, no retries. */
  public static final RoutePolicies ENVOY_DEFAULT =
      new RoutePolicies(RouteTimeouts.ENVOY_DEFAULT, null, List.of(), null, false);

  /**
   * Policies without a local rate limit.
   *
   * @param timeouts route timeouts
   * @param retry the retry policy, or {@code null} for no retries
   * @param mirrors mirror policies, in order
   * @param fault the fault to inject, or {@code null}
   * @param includeAttemptCount whether to send {@code x-envoy-attempt-count} upstream
   * @throws NullPointerException if a required component is {@code null}
   */
  public RoutePolicies(
      RouteTimeouts timeouts, RetryPolicy retry, List<MirrorPolicy> mirrors, FaultPolicy fault,
      boolean includeAttemptCount) {
    this(timeouts, retry, mirrors, fault, includeAttemptCount, null);
  }

  /**
   * Policies without descriptors or a global rate limit.
   *
   * @param timeouts route timeouts
   * @param retry the retry policy, or {@code null} for no retries
   * @param mirrors mirror policies, in order
   * @param fault the fault to inject, or {@code null}
   * @param includeAttemptCount whether to send {@code x-envoy-attempt-count} upstream
   * @param localRateLimit the local rate limit that applies, or {@code null}
   * @throws NullPointerException if a required component is {@code null}
   */
  public RoutePolicies(
      RouteTimeouts timeouts, RetryPolicy retry, List<MirrorPolicy> mirrors, FaultPolicy fault,
      boolean includeAttemptCount, LocalRateLimitPolicy localRateLimit) {
    this(timeouts, retry, mirrors, fault, includeAttemptCount, localRateLimit, RouteRateLimits.NONE, null);
  }

  /**
   * Checks the components and keeps immutable copies of its collections.
   *
   * @param timeouts route timeouts
   * @param retry the retry policy, or {@code null} for no retries
   * @param mirrors mirror policies, in order
   * @param fault the fault to inject, or {@code null}
   * @param includeAttemptCount whether to send {@code x-envoy-attempt-count} upstream
   * @param localRateLimit the local rate limit that applies, or {@code null}
   * @param rateLimits the route's descriptors; {@code null} for {@link RouteRateLimits#NONE}
   * @param globalRateLimit the listener's global rate limit config, or {@code null}
   * @throws NullPointerException if a required component is {@code null}
   */
  public RoutePolicies {
    Objects.requireNonNull(timeouts, "timeouts");
    rateLimits = rateLimits == null ? RouteRateLimits.NONE : rateLimits;
    mirrors = List.copyOf(mirrors);
  }

  /**
   * A copy with another retry policy.
   *
   * @param r the retry policy, or {@code null} for none
   * @return the copy
   */
  public RoutePolicies withRetry(RetryPolicy r) {
    return new RoutePolicies(timeouts, r, mirrors, fault, includeAttemptCount, localRateLimit, rateLimits, globalRateLimit);
  }

  /**
   * A copy with other mirrors.
   *
   * @param m the mirror policies
   * @return the copy
   */
  public RoutePolicies withMirrors(List<MirrorPolicy> m) {
    return new RoutePolicies(timeouts, retry, m, fault, includeAttemptCount, localRateLimit, rateLimits, globalRateLimit);
  }

  /**
   * A copy with another fault.
   *
   * @param f the fault policy
   * @return the copy
   */
  public RoutePolicies withFault(FaultPolicy f) {
    return new RoutePolicies(timeouts, retry, mirrors, f, includeAttemptCount, localRateLimit, rateLimits, globalRateLimit);
  }

  /**
   * A copy with {@code include_request_attempt_count} set.
   *
   * @param b whether {@code x-envoy-attempt-count} is sent upstream
   * @return the copy
   */
  public RoutePolicies withIncludeAttemptCount(boolean b) {
    return new RoutePolicies(timeouts, retry, mirrors, fault, b, localRateLimit, rateLimits, globalRateLimit);
  }

  /**
   * A copy with another local rate limit.
   *
   * @param l the local rate limit, or {@code null} for none
   * @return the copy
   */
  public RoutePolicies withLocalRateLimit(LocalRateLimitPolicy l) {
    return new RoutePolicies(timeouts, retry, mirrors, fault, includeAttemptCount, l, rateLimits, globalRateLimit);
  }

  /**
   * A copy with other descriptors.
   *
   * @param r the route's descriptors
   * @return the copy
   */
  public RoutePolicies withRateLimits(RouteRateLimits r) {
    return new RoutePolicies(timeouts, retry, mirrors, fault, includeAttemptCount, localRateLimit, r, globalRateLimit);
  }

  /**
   * A copy with another global rate limit config.
   *
   * @param g the listener's {@code envoy.filters.http.ratelimit} config, or {@code null}
   * @return the copy
   */
  public RoutePolicies withGlobalRateLimit(GlobalRateLimitPolicy g) {
    return new RoutePolicies(timeouts, retry, mirrors, fault, includeAttemptCount, localRateLimit, rateLimits, g);
  }
}
