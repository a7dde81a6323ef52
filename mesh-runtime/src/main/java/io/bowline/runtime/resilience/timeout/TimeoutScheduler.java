package io.bowline.runtime.resilience.timeout;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One daemon timer thread shared by the process for route-timeout watchdogs. Cancelled tasks are
 * removed at once, so finished calls leave nothing behind.
 */
public final class TimeoutScheduler {
  private static final ScheduledThreadPoolExecutor TIMER = create();

  private TimeoutScheduler() {}

  private static ScheduledThreadPoolExecutor create() {
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread th = new Thread(r, "bowline-route-timeout");
      th.setDaemon(true);
      return th;
    });
    t.setRemoveOnCancelPolicy(true);
    return t;
  }

  /** Runs {@code onExpiry} when {@code deadline} passes (after marking it fired). */
  public static ScheduledFuture<?> watch(Deadline deadline, Runnable onExpiry) {
    return TIMER.schedule(() -> {
      deadline.markFired();
      onExpiry.run();
    }, Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS);
  }
}
