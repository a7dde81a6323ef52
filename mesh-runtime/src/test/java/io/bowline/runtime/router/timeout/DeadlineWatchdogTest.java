package io.bowline.runtime.router.timeout;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import io.bowline.runtime.lifecycle.SharedRuntime;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DeadlineWatchdogTest {

  @Test
  void anEarlierDeadlineArmedAfterALaterOneStillFiresOnTime() throws Exception {
    DeadlineWatchdog.Armed late = DeadlineWatchdog.get().arm(System.nanoTime() + TimeUnit.SECONDS.toNanos(30), () -> {});
    CountDownLatch fired = new CountDownLatch(1);
    long start = System.nanoTime();
    DeadlineWatchdog.Armed soon = DeadlineWatchdog.get().arm(start + TimeUnit.MILLISECONDS.toNanos(50), fired::countDown);

    assertThat(fired.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
    assertThat(soon.disarm()).as("it fired").isTrue();
    assertThat(late.disarm()).as("disarmed before its deadline").isFalse();
  }

  @Test
  void aDisarmedDeadlineNeverFires() throws Exception {
    CountDownLatch fired = new CountDownLatch(1);
    DeadlineWatchdog.Armed a = DeadlineWatchdog.get().arm(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20), fired::countDown);
    assertThat(a.disarm()).isFalse();
    CountDownLatch later = new CountDownLatch(1);
    DeadlineWatchdog.get().arm(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(60), later::countDown);

    assertThat(later.await(5, TimeUnit.SECONDS)).isTrue(); // the watchdog passed the first deadline
    assertThat(fired.getCount()).isEqualTo(1);
  }

  @Test
  void afterTheLastReleaseArmedDeadlinesStillFireOnTimeThenTheThreadEnds() throws Exception {
    assertThat(SharedRuntime.references()).as("no mesh client open in this JVM").isZero();
    SharedRuntime.Lease lease = SharedRuntime.acquire();
    CountDownLatch fired = new CountDownLatch(1);
    long start = System.nanoTime();
    DeadlineWatchdog.get().arm(start + TimeUnit.MILLISECONDS.toNanos(200), fired::countDown);
    lease.close();

    assertThat(fired.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
    await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.isAlive() && t.getName().equals("bowline-exchange-deadlines")));

    CountDownLatch again = new CountDownLatch(1);
    DeadlineWatchdog.get().arm(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20), again::countDown);
    assertThat(again.await(5, TimeUnit.SECONDS)).as("a later arm starts a new watchdog").isTrue();
    SharedRuntime.acquire().close(); // stops it again
  }
}
