package io.bowline.runtime.filter.common.ratelimit;

import io.bowline.api.config.LocalRateLimitPolicy;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Envoy's local rate limit token bucket ({@code type.v3.TokenBucket}): full at creation, then every
 * {@code fill_interval} after it adds {@code tokens_per_fill} tokens, capped at {@code max_tokens}.
 * The fills are computed when a token is asked for (no timer); the state is one {@code long}
 * (fill number mod 2<sup>32</sup>, tokens) changed by compare-and-set, so taking a token neither
 * locks nor allocates.
 *
 * <p>Not resilience4j's {@code RateLimiter}: it resets to {@code limitForPeriod} each period, while
 * Envoy's bucket adds {@code tokens_per_fill} up to {@code max_tokens}, a different limit.
 */
public final class TokenBucket {
  private static final long LOW = 0xffff_ffffL;

  private final long maxTokens;
  private final long tokensPerFill;
  private final long intervalNanos;
  private final long origin;
  private final LongSupplier nanoClock;
  /** High 32 bits: the fill number last applied (mod 2^32); low 32 bits: the tokens left. */
  private final AtomicLong state;

  /**
   * A full bucket.
   *
   * @param config the bucket's sizes and interval
   * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime} outside tests)
   */
  public TokenBucket(LocalRateLimitPolicy.TokenBucket config, LongSupplier nanoClock) {
    this.maxTokens = Math.min(config.maxTokens(), LOW);
    this.tokensPerFill = config.tokensPerFill();
    this.intervalNanos = config.fillInterval().toNanos();
    this.nanoClock = nanoClock;
    this.origin = nanoClock.getAsLong();
    this.state = new AtomicLong(maxTokens);
  }

  /**
   * Takes one token if there is one.
   *
   * @return {@code true} if a token was taken
   */
  public boolean tryConsume() {
    long fill = Math.floorDiv(nanoClock.getAsLong() - origin, intervalNanos) & LOW;
    for (;;) {
      long s = state.get();
      long tokens = refilled(s, fill);
      if (tokens == 0) {
        return false;
      }
      if (state.compareAndSet(s, fill << 32 | (tokens - 1))) {
        return true;
      }
    }
  }

  /**
   * The tokens left now.
   *
   * @return tokens in [0, max_tokens]
   */
  public long remaining() {
    long fill = Math.floorDiv(nanoClock.getAsLong() - origin, intervalNanos) & LOW;
    return refilled(state.get(), fill);
  }

  /**
   * Nanoseconds until the next fill.
   *
   * @return nanoseconds in (0, fill_interval]
   */
  public long nanosToNextFill() {
    return intervalNanos - Math.floorMod(nanoClock.getAsLong() - origin, intervalNanos);
  }

  /** The bucket's size, {@code max_tokens}. */
  public long maxTokens() {
    return maxTokens;
  }

  private long refilled(long s, long fill) {
    long tokens = s & LOW;
    long fills = (fill - (s >>> 32)) & LOW;
    if (fills == 0) {
      return tokens;
    }
    long room = maxTokens - tokens;
    return fills >= (room + tokensPerFill - 1) / tokensPerFill ? maxTokens : tokens + fills * tokensPerFill;
  }
}
