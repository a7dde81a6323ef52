package io.bowline.runtime.filter.common.ratelimit;

import io.bowline.api.config.FractionalPercent;
import io.bowline.api.config.LocalRateLimitPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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
  /** The descriptors' entries and buckets, the slowest-filling first (Envoy's order of consumption). */
  private final List<RateLimitDescriptors.Entry>[] descriptorEntries;
  private final TokenBucket[] descriptorBuckets;
  private final boolean alwaysConsumeDefault;

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
    List<LocalRateLimitPolicy.Descriptor> ds = new ArrayList<>(policy.descriptors().buckets());
    ds.sort(Comparator.comparingDouble(LocalRateLimiter::tokensPerSecond));
    @SuppressWarnings("unchecked")
    List<RateLimitDescriptors.Entry>[] entries = new List[ds.size()];
    descriptorEntries = entries;
    descriptorBuckets = new TokenBucket[ds.size()];
    for (int i = 0; i < ds.size(); i++) {
      descriptorEntries[i] = ds.get(i).entries().stream()
          .map(e -> new RateLimitDescriptors.Entry(e.getKey(), e.getValue())).toList();
      descriptorBuckets[i] = new TokenBucket(ds.get(i).tokenBucket(), nanoClock);
    }
    this.alwaysConsumeDefault = policy.descriptors().alwaysConsumeDefaultBucket();
  }

  private static double tokensPerSecond(LocalRateLimitPolicy.Descriptor d) {
    return d.tokenBucket().tokensPerFill() * 1e9 / d.tokenBucket().fillInterval().toNanos();
  }

  /** Whether the config has {@code descriptors} (requests then need theirs to decide). */
  public boolean hasDescriptors() {
    return descriptorBuckets.length > 0;
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
    return limited();
  }

  /**
   * Decides for one request with its descriptors, as Envoy's local rate limiter does: each configured
   * descriptor equal to one of the request's takes a token from its bucket, the slowest-filling first,
   * stopping at the first without one; the default bucket takes one too when none matched, or always
   * with {@code always_consume_default_token_bucket}.
   *
   * @param requestDescriptors the request's descriptors
   * @return the decision
   */
  public Decision decide(List<List<RateLimitDescriptors.Entry>> requestDescriptors) {
    if (!fires(policy.filterEnabled())) {
      return Decision.ALLOWED;
    }
    boolean matched = false;
    for (int i = 0; i < descriptorBuckets.length; i++) {
      if (requestDescriptors.contains(descriptorEntries[i])) {
        matched = true;
        if (!descriptorBuckets[i].tryConsume()) {
          return limited();
        }
      }
    }
    if ((!matched || alwaysConsumeDefault) && !bucket.tryConsume()) {
      return limited();
    }
    return Decision.ALLOWED;
  }

  private Decision limited() {
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
