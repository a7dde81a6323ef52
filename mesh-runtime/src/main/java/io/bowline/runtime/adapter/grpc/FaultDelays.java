package io.bowline.runtime.adapter.grpc;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one daemon timer thread that ends injected gRPC fault delays ({@code DI}, gRFC A33), so a
 * delayed call holds no application thread. Tasks only start the held call or close it.
 */
final class FaultDelays {
  private static final ScheduledExecutorService TIMER = create();

  private FaultDelays() {}

  private static ScheduledExecutorService create() {
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread thread = new Thread(r, "bowline-grpc-fault-delay");
      thread.setDaemon(true);
      return thread;
    });
    t.setRemoveOnCancelPolicy(true);
    return t;
  }

  /** Runs {@code task} after {@code millis} ms. */
  static ScheduledFuture<?> after(long millis, Runnable task) {
    return TIMER.schedule(task, millis, TimeUnit.MILLISECONDS);
  }
}
