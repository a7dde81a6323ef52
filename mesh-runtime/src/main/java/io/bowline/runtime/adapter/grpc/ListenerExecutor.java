package io.bowline.runtime.adapter.grpc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one call's application listener callbacks on the executor of the call's
 * {@code CallOptions}, one at a time and in the order they were given (grpc-java runs listener
 * callbacks the same way). The call's scheduler may run on any thread (a retry's back-off timer,
 * a shadow, a filter that decides on a thread of its own), but a blocking stub waits on its own
 * executor and wakes only for tasks given to it, so every callback goes there.
 *
 * <p>A callback given on a thread that is already running a task of that executor for this call
 * ({@link #enter}: an attempt's listener callback, which grpc-java runs on the same executor) runs
 * there at once when no other callback is queued or running, instead of going through the
 * executor a second time (for a blocking stub: its queue, then the caller's next poll). Order and
 * one-at-a-time hold as for a queued one. With no executor ({@code null}) callbacks run on the
 * thread that gives them, which is the call's scheduler.
 */
final class ListenerExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(ListenerExecutor.class);
  private static final VarHandle ON_EXECUTOR;

  static {
    try {
      ON_EXECUTOR = MethodHandles.lookup().findVarHandle(ListenerExecutor.class, "onExecutor", Thread.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Executor executor;
  private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();
  @SuppressWarnings("unused") // through ON_EXECUTOR
  private volatile Thread onExecutor; // a thread inside a task of the executor for this call, or null

  /** Callbacks run where they are given; shared, as it keeps no state. */
  private static final ListenerExecutor DIRECT = new ListenerExecutor(null);

  private ListenerExecutor(Executor executor) {
    this.executor = executor;
  }

  /** The callbacks of a call whose executor is {@code executor} ({@code null}: they run where they are given). */
  static ListenerExecutor of(Executor executor) {
    return executor == null ? DIRECT : new ListenerExecutor(executor);
  }

  /**
   * Notes that the current thread runs a task of this call's executor until {@link #exit}; returns whether
   * it was noted (not when another thread is noted: its callbacks then go through the executor).
   */
  boolean enter() {
    return executor != null && ON_EXECUTOR.compareAndSet(this, (Thread) null, Thread.currentThread());
  }

  /** Ends what {@link #enter} noted, given its result. */
  void exit(boolean entered) {
    if (entered) {
      ON_EXECUTOR.setVolatile(this, (Thread) null);
    }
  }

  @Override
  public void execute(Runnable callback) {
    if (executor == null) {
      callback.run();
      return;
    }
    if (ON_EXECUTOR.getVolatile(this) == Thread.currentThread() && queue.isEmpty()
        && draining.compareAndSet(false, true)) {
      run(callback); // on the executor already, nothing before it: no second pass through the executor
      draining.set(false);
      if (!queue.isEmpty() && draining.compareAndSet(false, true)) {
        drain(); // given by another thread while this one ran: this thread is on the executor
      }
      return;
    }
    queue.add(callback);
    if (draining.compareAndSet(false, true)) {
      try {
        executor.execute(this::drain);
      } catch (RuntimeException e) { // the application's executor refused (shut down): the callback is lost
        queue.remove(callback);
        draining.set(false);
        throw e;
      }
    }
  }

  private static void run(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException | Error e) {
      log.warn("gRPC listener callback failed", e);
    }
  }

  private void drain() {
    while (true) {
      Runnable r;
      while ((r = queue.poll()) != null) {
        run(r);
      }
      draining.set(false);
      // a callback given after the last poll and before the flag was cleared found it set: take it
      if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
        return;
      }
    }
  }
}
