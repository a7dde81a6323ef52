package io.bowline.runtime.pipeline;

import io.bowline.api.config.Route;
import io.bowline.api.filter.HttpFilter;
import io.bowline.runtime.filter.common.fault.FaultInjector;
import io.bowline.runtime.filter.common.ratelimit.LocalRateLimiter;
import io.bowline.runtime.filter.common.ratelimit.RateLimitDescriptors;
import io.bowline.runtime.router.retry.RetryDecider;

/**
 * One route's compiled pipeline, made once per configuration snapshot: its filter chain
 * (the user's filters → {@code envoy.filters.http.local_ratelimit} when the route is
 * limited → {@code envoy.filters.http.ratelimit} when the route has descriptors for the global rate
 * limit service → {@code envoy.filters.http.fault} when the route injects faults → request
 * mirroring when it mirrors → {@code envoy.filters.http.router}; the user's filters come first, as
 * in the design's pipeline, so that they see and may edit every request and see every local reply,
 * fault aborts included) and the compiled forms of its
 * policies that the filters use.
 *
 * @param route the route, or {@code null} for the chain of requests no route matched
 * @param filters the chain, the router last
 * @param fault the route's fault injector, or {@code null}
 * @param retry the route's retry decider, or {@code null} without a retry policy
 * @param localRateLimit the route's local rate limiter, or {@code null}
 * @param rateLimits the route's descriptors for the global rate limit service (its listener's
 *     {@code stage}), {@link RateLimitDescriptors#NONE} without
 * @param localRateLimitDescriptors the route's descriptors for its local rate limit's
 *     {@code descriptors}, {@link RateLimitDescriptors#NONE} without
 */
public record RouteChain(Route route, HttpFilter[] filters, FaultInjector fault, RetryDecider retry,
    LocalRateLimiter localRateLimit, RateLimitDescriptors rateLimits, RateLimitDescriptors localRateLimitDescriptors) {

  /**
   * A chain without global rate limit descriptors.
   *
   * @param route the route, or {@code null} for the chain of requests no route matched
   * @param filters the chain, the router last
   * @param fault the route's fault injector, or {@code null}
   * @param retry the route's retry decider, or {@code null} without a retry policy
   * @param localRateLimit the route's local rate limiter, or {@code null}
   */
  public RouteChain(Route route, HttpFilter[] filters, FaultInjector fault, RetryDecider retry,
      LocalRateLimiter localRateLimit) {
    this(route, filters, fault, retry, localRateLimit, RateLimitDescriptors.NONE, RateLimitDescriptors.NONE);
  }

  /**
   * A chain without a local rate limit.
   *
   * @param route the route, or {@code null} for the chain of requests no route matched
   * @param filters the chain, the router last
   * @param fault the route's fault injector, or {@code null}
   * @param retry the route's retry decider, or {@code null} without a retry policy
   */
  public RouteChain(Route route, HttpFilter[] filters, FaultInjector fault, RetryDecider retry) {
    this(route, filters, fault, retry, null);
  }

  /** The route's name, {@code null} for the no-route chain. */
  public String routeName() {
    return route == null ? null : route.name();
  }
}
