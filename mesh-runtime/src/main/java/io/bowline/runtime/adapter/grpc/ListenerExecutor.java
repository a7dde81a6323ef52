package io.bowline.runtime.adapter.grpc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
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
 * thread that gives them, which is the call's scheduler. The queue is made when the first callback has to wait
 * (a blocking unary call's usually never do).
 */
final class ListenerExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(ListenerExecutor.class);
  private static final VarHandle ON_EXECUTOR;
  private static final VarHandle DRAINING;
  private static final VarHandle QUEUE;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      ON_EXECUTOR = lookup.findVarHandle(ListenerExecutor.class, "onExecutor", Thread.class);
      DRAINING = lookup.findVarHandle(ListenerExecutor.class, "draining", boolean.class);
      QUEUE = lookup.findVarHandle(ListenerExecutor.class, "queue", Queue.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Executor executor;
  /** Callbacks waiting their turn; {@code null} until the first (through {@link #QUEUE}). */
  private volatile Queue<Runnable> queue;
  /** Whether a thread runs this call's callbacks (through {@link #DRAINING}). */
  @SuppressWarnings("unused")
  private volatile boolean draining;
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
    if (ON_EXECUTOR.getVolatile(this) == Thread.currentThread() && isEmpty(queue) && startDraining()) {
      run(callback); // on the executor already, nothing before it: no second pass through the executor
      DRAINING.setVolatile(this, false);
      if (!isEmpty(queue) && startDraining()) {
        drain(); // given by another thread while this one ran: this thread is on the executor
      }
      return;
    }
    Queue<Runnable> q = queue();
    q.add(callback);
    if (startDraining()) {
      try {
        executor.execute(this::drain);
      } catch (RuntimeException e) { // the application's executor refused (shut down): the callback is lost
        q.remove(callback);
        DRAINING.setVolatile(this, false);
        throw e;
      }
    }
  }

  private boolean startDraining() {
    return DRAINING.compareAndSet(this, false, true);
  }

  private static boolean isEmpty(Queue<Runnable> q) {
    return q == null || q.isEmpty();
  }

  /** The queue, made on first need. */
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

  private static void run(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException | Error e) {
      log.warn("gRPC listener callback failed", e);
    }
  }

  private void drain() {
    while (true) {
      Queue<Runnable> q = queue;
      Runnable r;
      while (q != null && (r = q.poll()) != null) {
        run(r);
      }
      DRAINING.setVolatile(this, false);
      // a callback given after the last poll and before the flag was cleared found it set: take it
      if (isEmpty(queue) || !startDraining()) {
        return;
      }
    }
  }
}
