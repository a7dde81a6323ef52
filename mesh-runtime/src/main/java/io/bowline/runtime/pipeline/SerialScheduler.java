package io.bowline.runtime.pipeline;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CallScheduler} for asynchronous adapters: a task runs on the thread that submitted it
 * unless another thread is already running this scheduler's tasks, in which case that thread runs
 * it next (no thread of its own, no lock). Delays run on a shared timer and come back through
 * {@link #execute}.
 */
public final class SerialScheduler implements CallScheduler {
  private static final Logger log = LoggerFactory.getLogger(SerialScheduler.class);

  /** A shared timer: runs a task after a delay, on its own thread. */
  @FunctionalInterface
  public interface Timer {
    /** Runs {@code task} after {@code delayNanos}. */
    Future<?> after(long delayNanos, Runnable task);
  }

  private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pending = new AtomicInteger();
  private final Timer timer;

  public SerialScheduler(Timer timer) {
    this.timer = timer;
  }

  @Override
  public void execute(Runnable task) {
    if (pending.compareAndSet(0, 1)) {
      run(task); // no thread is running this scheduler's tasks: this one runs it, and it takes no queue node
      if (pending.decrementAndGet() != 0) {
        drain(); // given while it ran
      }
      return;
    }
    queue.add(task);
    if (pending.getAndIncrement() != 0) {
      return; // the thread that is draining runs it
    }
    run(queue.poll());
    if (pending.decrementAndGet() != 0) {
      drain();
    }
  }

  /**
   * Runs the queued tasks while any are counted in {@link #pending}. A task is queued before it is counted, so a
   * counted one is always there to take.
   */
  private void drain() {
    do {
      run(queue.poll());
    } while (pending.decrementAndGet() != 0);
  }

  private static void run(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException | Error e) {
      log.warn("exchange task failed", e);
    }
  }

  /**
   * The tasks submitted and not yet finished: the one running and those waiting behind it; 0 when
   * no thread is running this scheduler's tasks.
   */
  public int pending() {
    return pending.get();
  }

  @Override
  public Cancellable schedule(Runnable task, long delayNanos) {
    AtomicBoolean cancelled = new AtomicBoolean();
    Future<?> f = timer.after(delayNanos, () -> execute(() -> {
      if (!cancelled.get()) {
        task.run();
      }
    }));
    return () -> {
      cancelled.set(true);
      f.cancel(false);
    };
  }
}
