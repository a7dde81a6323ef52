package io.bowline.runtime.router.timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The route-timeout clock: coarse for long timeouts, precise for short ones, never ahead. */
class DeadlineClockTest {

  @Test
  void coarseReadingIsNeverAheadOfThePreciseClockAndKeepsUp() {
    for (int i = 0; i < 10_000; i++) {
      long coarse = CoarseClock.nanoTime();
      assertThat(coarse).isLessThanOrEqualTo(System.nanoTime());
    }
    long start = System.nanoTime();
    // the ticker refreshes the reading: it passes a point 5 ticks after start
    await().atMost(Duration.ofSeconds(5)).until(() -> CoarseClock.nanoTime() - start > 5 * CoarseClock.TICK_NANOS);
  }

  @Test
  void longTimeoutStartsFromTheCoarseClockShortOneFromThePreciseClock() {
    long before = System.nanoTime();
    Deadline route = Deadline.after(Duration.ofSeconds(15));
    Deadline perTry = Deadline.after(Duration.ofMillis(250));
    long after = System.nanoTime();
    // coarse: at most a little early (the ticker may be starved on a busy machine), never late
    assertThat(route.deadlineNanos()).isLessThanOrEqualTo(after + Duration.ofSeconds(15).toNanos());
    assertThat(route.deadlineNanos()).isGreaterThan(before + Duration.ofSeconds(15).toNanos() - 1_000_000_000L);
    assertThat(perTry.deadlineNanos()).isBetween(
        before + Duration.ofMillis(250).toNanos(), after + Duration.ofMillis(250).toNanos());
    assertThat(Deadline.after(Duration.ZERO)).isSameAs(Deadline.NONE);
  }
}
