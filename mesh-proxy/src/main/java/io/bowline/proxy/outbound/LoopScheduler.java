package io.bowline.proxy.outbound;

import io.bowline.runtime.pipeline.CallScheduler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link CallScheduler} of one downstream connection's proxied exchanges (one at a time; an HTTP/2 stream's
 * handler has its own): their tasks run on the downstream connection's
 * event loop, one after another. A task submitted on the loop while none runs runs at once; one
 * submitted while another runs waits behind it; one submitted from another thread (an asynchronous
 * filter completing elsewhere) is handed to the loop, where the exchange's connections live. No
 * lock, atomic or queue node per task: only the loop thread touches the state.
 */
final class LoopScheduler implements CallScheduler {
  private static final Logger log = LoggerFactory.getLogger(LoopScheduler.class);

  private final EventExecutor loop;
  /** Tasks submitted while one ran ({@code null} until the first). */
  private ArrayDeque<Runnable> waiting;
  private boolean running;

  LoopScheduler(EventExecutor loop) {
    this.loop = loop;
  }

  @Override
  public void execute(Runnable task) {
    if (!loop.inEventLoop()) {
      loop.execute(() -> execute(task));
      return;
    }
    if (running) {
      if (waiting == null) {
        waiting = new ArrayDeque<>(4);
      }
      waiting.add(task);
      return;
    }
    running = true;
    try {
      Runnable next = task;
      do {
        run(next);
        next = waiting == null ? null : waiting.poll();
      } while (next != null);
    } finally {
      running = false;
    }
  }

  private static void run(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException | Error e) {
      log.warn("exchange task failed", e);
    }
  }

  @Override
  public Cancellable schedule(Runnable task, long delayNanos) {
    Delayed d = new Delayed(task);
    d.future = loop.schedule(() -> execute(d), delayNanos, TimeUnit.NANOSECONDS);
    return d;
  }

  /** A delayed task: stopped by {@link #cancel} even once it waits behind a running task. */
  private static final class Delayed implements Runnable, Cancellable {
    private final Runnable task;
    private volatile boolean cancelled;
    ScheduledFuture<?> future;

    Delayed(Runnable task) {
      this.task = task;
    }

    @Override
    public void run() {
      if (!cancelled) {
        task.run();
      }
    }

    @Override
    public void cancel() {
      cancelled = true;
      ScheduledFuture<?> f = future;
      if (f != null) {
        f.cancel(false);
      }
    }
  }
}
