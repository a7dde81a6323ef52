package io.bowline.runtime.adapter.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Far timers wait on the deadline watchdog, near ones on the loops; both run, both cancel. */
class EndpointEventLoopsTest {
  private final EndpointEventLoops loops = new EndpointEventLoops();

  @AfterEach
  void tearDown() {
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  @Test
  void aTimerASecondOrMoreAheadRunsFromTheWatchdogAtItsTime() throws Exception {
    CountDownLatch ran = new CountDownLatch(1);
    long t0 = System.nanoTime();
    ScheduledFuture<?> f = loops.schedule(ran::countDown, 1_100, TimeUnit.MILLISECONDS);
    assertThat(f.getClass().getSimpleName()).isEqualTo("WatchdogTimer");
    assertThat(f.getDelay(TimeUnit.MILLISECONDS)).isBetween(900L, 1_100L);
    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(1_100L);
    assertThat(f.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(f.isSuccess()).isTrue();
    assertThat(f.cancel(false)).isFalse(); // it ran
  }

  @Test
  void aCancelledFarTimerNeverRunsAndANearOneStaysOnTheLoops() throws Exception {
    AtomicBoolean ran = new AtomicBoolean();
    ScheduledFuture<?> far = loops.schedule(() -> ran.set(true), 1_000, TimeUnit.MILLISECONDS);
    assertThat(far.cancel(false)).isTrue();
    assertThat(far.isCancelled()).isTrue();
    CountDownLatch near = new CountDownLatch(1);
    ScheduledFuture<?> n = loops.schedule(near::countDown, 50, TimeUnit.MILLISECONDS);
    assertThat(n.getClass().getSimpleName()).isNotEqualTo("WatchdogTimer");
    assertThat(near.await(5, TimeUnit.SECONDS)).isTrue();
    // past the far timer's time: still not run
    CountDownLatch later = new CountDownLatch(1);
    loops.schedule(later::countDown, 1_300, TimeUnit.MILLISECONDS);
    assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(ran).isFalse();
  }
}
