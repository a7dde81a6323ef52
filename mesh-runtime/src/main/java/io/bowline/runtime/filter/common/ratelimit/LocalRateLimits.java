package io.bowline.runtime.filter.common.ratelimit;

import io.bowline.api.config.LocalRateLimitPolicy;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * One client's local rate limiters, one per config and scope ({@link LocalRateLimitPolicy#scope()}):
 * routes compiled again for a new snapshot find the bucket their unchanged config already had, so an
 * update elsewhere (an endpoint, another route) does not refill it; a changed config starts full,
 * as Envoy's new filter config does.
 */
public final class LocalRateLimits {
  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<LocalRateLimitPolicy, LocalRateLimiter> limiters = new ConcurrentHashMap<>();

  /**
   * Limiters on {@code nanoClock}.
   *
   * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime} outside tests)
   */
  public LocalRateLimits(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /**
   * The limiter of {@code policy}.
   *
   * @param policy a config that {@linkplain LocalRateLimitPolicy#limits() limits}
   * @return its limiter, made with a full bucket on first use
   */
  public LocalRateLimiter limiter(LocalRateLimitPolicy policy) {
    return limiters.computeIfAbsent(policy, p -> new LocalRateLimiter(p, nanoClock));
  }
}
