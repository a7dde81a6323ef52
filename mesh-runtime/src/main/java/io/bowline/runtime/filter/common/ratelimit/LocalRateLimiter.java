package io.bowline.runtime.filter.common.ratelimit;

import io.bowline.api.config.FractionalPercent;
import io.bowline.api.config.LocalRateLimitPolicy;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * One {@code LocalRateLimit} config with its bucket: decides, per request, whether it is checked
 * ({@code filter_enabled}), whether a token is left, and whether a limited request is answered
 * locally ({@code filter_enforced}). Thread-safe; a decision neither locks nor allocates.
 */
public final class LocalRateLimiter {
  /** What {@link #decide()} found. */
  public enum Decision {
    /** Not checked, or a token was taken: the request goes on. */
    ALLOWED,
    /** No token, enforced: answer locally. */
    LIMITED,
    /** No token, not enforced: the request goes on with {@code request_headers_to_add_when_not_enforced}. */
    LIMITED_NOT_ENFORCED
  }

  private final LocalRateLimitPolicy policy;
  private final TokenBucket bucket;

  /**
   * A limiter with a full bucket.
   *
   * @param policy the config; its {@link LocalRateLimitPolicy#limits()} must be true
   * @param nanoClock a monotonic clock in nanoseconds
   * @throws IllegalArgumentException if the config has no bucket
   */
  public LocalRateLimiter(LocalRateLimitPolicy policy, LongSupplier nanoClock) {
    if (policy.tokenBucket() == null) {
      throw new IllegalArgumentException("local rate limit " + policy.scope() + " has no token_bucket");
    }
    this.policy = policy;
    this.bucket = new TokenBucket(policy.tokenBucket(), nanoClock);
  }

  /** The config. */
  public LocalRateLimitPolicy policy() {
    return policy;
  }

  /** The bucket. */
  public TokenBucket bucket() {
    return bucket;
  }

  /**
   * Decides for one request, taking a token when it is checked and one is left.
   *
   * @return the decision
   */
  public Decision decide() {
    if (!fires(policy.filterEnabled()) || bucket.tryConsume()) {
      return Decision.ALLOWED;
    }
    return fires(policy.filterEnforced()) ? Decision.LIMITED : Decision.LIMITED_NOT_ENFORCED;
  }

  /**
   * One draw against {@code p}: always for 100 %, never for 0 %, else at random.
   *
   * @param p the share that fires
   * @return whether this draw fires
   */
  public static boolean fires(FractionalPercent p) {
    long n = p.numerator();
    return n >= p.denominator() || n > 0 && ThreadLocalRandom.current().nextLong(p.denominator()) < n;
  }
}
