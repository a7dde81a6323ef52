package io.bowline.runtime.filter.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.config.FractionalPercent;
import io.bowline.api.config.LocalRateLimitPolicy;
import io.bowline.runtime.filter.common.ratelimit.LocalRateLimiter;
import io.bowline.runtime.filter.common.ratelimit.LocalRateLimiter.Decision;
import io.bowline.runtime.filter.common.ratelimit.TokenBucket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Envoy's local rate limit token bucket, on a clock the test moves. */
class TokenBucketTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private TokenBucket bucket(long max, long perFill, Duration interval) {
    return new TokenBucket(new LocalRateLimitPolicy.TokenBucket(max, perFill, interval), now::get);
  }

  private static int take(TokenBucket b, int tries) {
    int n = 0;
    for (int i = 0; i < tries; i++) {
      if (b.tryConsume()) {
        n++;
      }
    }
    return n;
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void aFullBucketOfNLetsNPassAndRefusesTheRestUntilTheNextFill() {
    TokenBucket b = bucket(3, 3, Duration.ofSeconds(1));
    assertThat(take(b, 10)).isEqualTo(3);
    advance(Duration.ofMillis(999));
    assertThat(b.tryConsume()).as("no fill before fill_interval").isFalse();
    advance(Duration.ofMillis(1));
    assertThat(take(b, 10)).as("tokens_per_fill at fill_interval").isEqualTo(3);
  }

  @Test
  void fillsAddTokensPerFillAndNeverExceedMaxTokens() {
    TokenBucket b = bucket(10, 2, Duration.ofMillis(100));
    assertThat(take(b, 10)).isEqualTo(10);
    advance(Duration.ofMillis(300));
    assertThat(b.remaining()).as("three fills of two").isEqualTo(6);
    advance(Duration.ofHours(5));
    assertThat(b.remaining()).as("capped at max_tokens").isEqualTo(10);
    assertThat(take(b, 20)).isEqualTo(10);
  }

  @Test
  void fillsAreOnTheIntervalGridSinceCreationNotSinceTheLastRequest() {
    TokenBucket b = bucket(1, 1, Duration.ofSeconds(1));
    advance(Duration.ofMillis(900));
    assertThat(b.tryConsume()).isTrue();
    advance(Duration.ofMillis(100));
    assertThat(b.tryConsume()).as("the fill at 1 s came 100 ms after the last token went").isTrue();
    assertThat(b.nanosToNextFill()).isEqualTo(Duration.ofSeconds(1).toNanos());
  }

  @Test
  void concurrentRequestsNeverTakeMoreTokensThanTheBucketHolds() throws Exception {
    TokenBucket b = bucket(1000, 1, Duration.ofHours(1));
    AtomicInteger taken = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        taken.addAndGet(take(b, 500));
      });
      threads[t].start();
    }
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertThat(taken).hasValue(1000);
  }

  @Test
  void aRequestNotEnabledTakesNoTokenAndALimitedOneNotEnforcedGoesOn() {
    LocalRateLimitPolicy.TokenBucket one = new LocalRateLimitPolicy.TokenBucket(1, 1, Duration.ofHours(1));
    LocalRateLimiter off = new LocalRateLimiter(new LocalRateLimitPolicy("s", "p", 429, one,
        FractionalPercent.NEVER, FractionalPercent.ALWAYS, List.of(), List.of(), false), now::get);
    assertThat(off.decide()).isEqualTo(Decision.ALLOWED);
    assertThat(off.bucket().remaining()).as("filter_enabled 0 %: the bucket is not checked").isEqualTo(1);

    LocalRateLimiter shadow = new LocalRateLimiter(new LocalRateLimitPolicy("s", "p", 429, one,
        FractionalPercent.ALWAYS, FractionalPercent.NEVER, List.of(), List.of(), false), now::get);
    assertThat(shadow.decide()).isEqualTo(Decision.ALLOWED);
    assertThat(shadow.decide()).isEqualTo(Decision.LIMITED_NOT_ENFORCED);

    LocalRateLimiter enforced = new LocalRateLimiter(new LocalRateLimitPolicy("s", "p", 429, one,
        FractionalPercent.ALWAYS, FractionalPercent.ALWAYS, List.of(), List.of(), false), now::get);
    assertThat(enforced.decide()).isEqualTo(Decision.ALLOWED);
    assertThat(enforced.decide()).isEqualTo(Decision.LIMITED);
  }
}
