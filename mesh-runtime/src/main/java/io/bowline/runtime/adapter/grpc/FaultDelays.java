package io.bowline.runtime.adapter.grpc;

import io.bowline.runtime.lifecycle.SharedRuntime;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one daemon timer thread that ends injected gRPC fault delays ({@code DI}, gRFC A33) and retry
 * back-offs, so a delayed call holds no application thread. Tasks only start the held call or close
 * it. The thread belongs to the {@link SharedRuntime}: after the last mesh client's {@code close()}
 * it runs the delays already scheduled, at their time, and ends.
 */
final class FaultDelays {
  private static final SharedRuntime.Service<ScheduledThreadPoolExecutor> TIMER =
      SharedRuntime.service("gRPC fault-delay timer", FaultDelays::create, ScheduledThreadPoolExecutor::shutdown);

  private FaultDelays() {}

  private static ScheduledThreadPoolExecutor create() {
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
    try {
      return TIMER.get().schedule(task, millis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopped) { // the timer just stopped: the next one takes it
      return TIMER.get().schedule(task, millis, TimeUnit.MILLISECONDS);
    }
  }
}
