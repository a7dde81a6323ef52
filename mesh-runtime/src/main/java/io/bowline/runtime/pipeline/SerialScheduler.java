package io.bowline.runtime.pipeline;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CallScheduler} for asynchronous adapters: a task runs on the thread that submitted it
 * unless another thread is already running this scheduler's tasks, in which case that thread runs
 * it next (no thread of its own, no lock). Delays run on a shared timer and come back through
 * {@link #execute}. The queue is made by the first task that finds another thread running the scheduler's tasks
 * (most calls never need one), and the count of pending tasks is a field of this object.
 */
public final class SerialScheduler implements CallScheduler {
  private static final Logger log = LoggerFactory.getLogger(SerialScheduler.class);

  /** A shared timer: runs a task after a delay, on its own thread. */
  @FunctionalInterface
  public interface Timer {
    /** Runs {@code task} after {@code delayNanos}. */
    Future<?> after(long delayNanos, Runnable task);
  }

  private static final VarHandle PENDING;
  private static final VarHandle QUEUE;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      PENDING = lookup.findVarHandle(SerialScheduler.class, "pending", int.class);
      QUEUE = lookup.findVarHandle(SerialScheduler.class, "queue", Queue.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Tasks submitted and not yet finished (through {@link #PENDING}). */
  @SuppressWarnings("unused")
  private volatile int pending;
  /** The tasks waiting for the running thread; {@code null} until the first one (through {@link #QUEUE}). */
  private volatile Queue<Runnable> queue;
  private final Timer timer;

  public SerialScheduler(Timer timer) {
    this.timer = timer;
  }

  @Override
  public void execute(Runnable task) {
    if (PENDING.compareAndSet(this, 0, 1)) {
      run(task); // no thread is running this scheduler's tasks: this one runs it, and it takes no queue node
      if (decrement() != 0) {
        drain(); // given while it ran
      }
      return;
    }
    Queue<Runnable> q = queue();
    q.add(task);
    if ((int) PENDING.getAndAdd(this, 1) != 0) {
      return; // the thread that is draining runs it
    }
    run(q.poll());
    if (decrement() != 0) {
      drain();
    }
  }

  private int decrement() {
    return (int) PENDING.getAndAdd(this, -1) - 1;
  }

  /** The queue, made on first need; a task is queued before it is counted, so a counted task finds it made. */
  private Queue<Runnable> queue() {
    Queue<Runnable> q = queue;
    if (q == null) {
      q = new ConcurrentLinkedQueue<>();
      if (!QUEUE.compareAndSet(this, (Queue<Runnable>) null, q)) {
        q = queue;
      }
    }
    return q;
  }

  /**
   * Runs the queued tasks while any are counted in {@link #pending}. A task is queued before it is counted, so a
   * counted one is always there to take.
   */
  private void drain() {
    Queue<Runnable> q = queue;
    do {
      run(q.poll());
    } while (decrement() != 0);
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
    return (int) PENDING.getVolatile(this);
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
