package io.bowline.runtime.router.retry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's fully jittered exponential back-off ({@code RetryPolicy.retry_back_off}): before retry
 * N (1, 2, …) wait uniform {@code [0, min((2^N − 1) × base, max))} ms. Defaults 25 ms / 250 ms.
 * Not resilience4j's {@code IntervalFunction}: its randomised back-off jitters ± a factor below 1
 * around the interval, whereas Envoy draws from zero (full jitter).
 */
public final class RetryBackoff {
  private final long baseMillis;
  private final long maxMillis;

  /**
   * @param base {@code base_interval} (at least 1 ms)
   * @param max {@code max_interval} (≥ base)
   */
  public RetryBackoff(Duration base, Duration max) {
    this.baseMillis = Math.max(1, base.toMillis());
    this.maxMillis = Math.max(baseMillis, max.toMillis());
  }

  /** The upper bound (exclusive) of the wait before retry {@code n} (1-based), in ms. */
  public long ceilingMillis(int n) {
    int shift = Math.min(n, 30);
    long ceiling = ((1L << shift) - 1) * baseMillis;
    return Math.min(ceiling, maxMillis);
  }

  /** A wait before retry {@code n} (1-based), in ms, drawn uniformly from {@code [0, ceiling)}. */
  public long nextMillis(int n) {
    long ceiling = ceilingMillis(n);
    return ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling);
  }
}
