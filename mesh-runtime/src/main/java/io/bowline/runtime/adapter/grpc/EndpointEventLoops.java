package io.bowline.runtime.adapter.grpc;

import io.bowline.runtime.router.timeout.DeadlineWatchdog;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultPromise;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

/**
 * The Netty NIO event loops of the endpoint channels ({@link EndpointChannels}), with one change:
 * a {@code Runnable} scheduled on the group at least {@value #FAR_MILLIS} ms ahead waits on the
 * {@link DeadlineWatchdog} instead of an event loop.
 *
 * <p>grpc-java schedules the deadline timer of every call that has a deadline on the channel's
 * event-loop group; the mesh gives every call one when the route sets {@code max_stream_duration}
 * (gRFC A31). A Netty 4.2 loop asked from another thread to schedule a task wakes up (a selector
 * wake-up and a thread switch, often on a loop with no I/O to do), which added about 7 µs per call
 * on a 2-CPU machine. Arming the watchdog for a far deadline wakes nothing, and cancelling it (the
 * call ended first, the usual case) is a set removal. Timers nearer than that, channel
 * registration and tasks go to the loops unchanged.
 */
final class EndpointEventLoops extends MultiThreadIoEventLoopGroup {
  /** Timers due at least this far ahead go to the watchdog, ms. */
  static final long FAR_MILLIS = 1000;

  /** Netty's default thread count (twice the processors), daemon threads {@code bowline-grpc-N}. */
  EndpointEventLoops() {
    super(0, new DefaultThreadFactory("bowline-grpc", true), NioIoHandler.newFactory());
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    if (unit.toMillis(delay) < FAR_MILLIS || isShuttingDown()) {
      return super.schedule(command, delay, unit);
    }
    return new WatchdogTimer(command, System.nanoTime() + unit.toNanos(delay));
  }

  /** A far timer armed on the watchdog, with Netty's future shape for grpc-java to cancel. */
  private static final class WatchdogTimer extends DefaultPromise<Void> implements ScheduledFuture<Void> {
    private final long deadlineNanos;
    private final DeadlineWatchdog.Armed armed;

    WatchdogTimer(Runnable command, long deadlineNanos) {
      super(GlobalEventExecutor.INSTANCE); // notifies listeners, if any; grpc-java adds none
      this.deadlineNanos = deadlineNanos;
      this.armed = DeadlineWatchdog.get().arm(deadlineNanos, () -> fire(command));
    }

    private void fire(Runnable command) {
      if (!setUncancellable()) {
        return;
      }
      try {
        command.run();
        trySuccess(null);
      } catch (Throwable t) {
        tryFailure(t);
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (armed.disarm()) {
        return false; // it ran, or is running
      }
      return super.cancel(mayInterruptIfRunning);
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }
  }
}
