package io.bowline.runtime.router.retry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Spec §4.2: fully jittered exponential back-off, 25 ms base, 250 ms cap. */
class RetryBackoffTest {
  private final RetryBackoff defaults = new RetryBackoff(Duration.ofMillis(25), Duration.ofMillis(250));

  @Test
  void ceilingsFollowTwoToTheNMinusOneTimesBaseCapped() {
    assertThat(defaults.ceilingMillis(1)).isEqualTo(25);
    assertThat(defaults.ceilingMillis(2)).isEqualTo(75);
    assertThat(defaults.ceilingMillis(3)).isEqualTo(175);
    assertThat(defaults.ceilingMillis(4)).isEqualTo(250);
    assertThat(defaults.ceilingMillis(40)).isEqualTo(250);
  }

  @Test
  void drawsAreFullJitterFromZero() {
    long min = Long.MAX_VALUE;
    long max = 0;
    for (int i = 0; i < 5_000; i++) {
      long w = defaults.nextMillis(2);
      min = Math.min(min, w);
      max = Math.max(max, w);
    }
    assertThat(min).isBetween(0L, 3L);
    assertThat(max).isBetween(70L, 74L);
  }
}
