package io.bowline.runtime.pipeline;

import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link CallScheduler} for a blocking call: every task runs on the caller's own thread, which
 * waits in {@link #runUntil} for the exchange to end (grpc-java's {@code ThreadlessExecutor}). Delays
 * (fault delays, retry back-off) are waits of that thread; no other thread is involved unless a
 * filter continues from one of its own, whose work then comes back to the caller's thread through
 * {@link #execute}. Only tasks on the caller's thread may {@link #schedule}.
 *
 * <p>A blocking adapter's per-call object may extend it (made on the caller's thread, which it
 * then belongs to), so that the call's scheduling costs no object of its own; its methods are final.
 */
public class CallerThreadScheduler implements CallScheduler {
  private final Thread owner = Thread.currentThread();
  // the caller's own tasks: a call usually has one (the attempt's result), kept without a queue
  private Runnable next;
  private volatile Backlog backlog; // made on the first task that does not fit in next

  /** What a call rarely needs: more tasks of its own, tasks from other threads, timed tasks. */
  private static final class Backlog {
    final ArrayDeque<Runnable> more = new ArrayDeque<>(4); // the caller's thread only
    final Queue<Runnable> foreign = new ConcurrentLinkedQueue<>();
    final List<Timed> timed = new ArrayList<>(2); // fault delays and back-off; the caller's thread only
  }

  private Backlog backlog() {
    Backlog b = backlog;
    if (b == null) {
      synchronized (this) {
        b = backlog;
        if (b == null) {
          b = new Backlog();
          backlog = b;
        }
      }
    }
    return b;
  }

  private static final class Timed implements Cancellable {
    final long dueNanos;
    final Runnable task;
    boolean cancelled;

    Timed(long dueNanos, Runnable task) {
      this.dueNanos = dueNanos;
      this.task = task;
    }

    @Override
    public void cancel() {
      cancelled = true;
    }
  }

  @Override
  public final void execute(Runnable task) {
    if (Thread.currentThread() == owner) {
      if (next == null) {
        next = task;
      } else {
        backlog().more.add(task);
      }
      return;
    }
    backlog().foreign.add(task);
    LockSupport.unpark(owner);
  }

  /** True on the caller's thread, the only thread that runs this scheduler's tasks. */
  @Override
  public final boolean runsOnCurrentThread() {
    return Thread.currentThread() == owner;
  }

  /** The next task to run now, or {@code null}. */
  private Runnable poll() {
    Runnable r = next;
    Backlog b = backlog;
    if (r != null) {
      next = b == null ? null : b.more.poll();
      return r;
    }
    return b == null ? null : b.foreign.poll();
  }

  @Override
  public final Cancellable schedule(Runnable task, long delayNanos) {
    Timed t = new Timed(System.nanoTime() + delayNanos, task);
    backlog().timed.add(t);
    return t;
  }

  /**
   * Runs tasks, waiting for timed ones, until {@code done} completes.
   *
   * @throws InterruptedIOException if the thread is interrupted while it waits (the wait ends; the
   *     interrupt flag is set again)
   */
  public final void runUntil(CompletableFuture<?> done) throws InterruptedIOException {
    boolean wakeOnDone = false;
    while (true) {
      Runnable r;
      while ((r = poll()) != null) {
        r.run();
      }
      if (done.isDone()) {
        return;
      }
      Timed next = earliest();
      long wait = next == null ? Long.MAX_VALUE : next.dueNanos - System.nanoTime();
      if (wait > 0) {
        if (!wakeOnDone) { // a filter completes the exchange from a thread of its own
          wakeOnDone = true;
          done.whenComplete((v, e) -> LockSupport.unpark(owner));
          continue;
        }
        if (wait == Long.MAX_VALUE) {
          LockSupport.park(this);
        } else {
          LockSupport.parkNanos(this, wait);
        }
        if (Thread.interrupted()) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while the mesh delayed the call (fault delay or retry back-off)");
        }
        continue;
      }
      backlog.timed.remove(next);
      next.task.run();
    }
  }

  private Timed earliest() {
    Backlog b = backlog;
    if (b == null) {
      return null;
    }
    List<Timed> timed = b.timed;
    Timed best = null;
    for (int i = timed.size() - 1; i >= 0; i--) {
      Timed t = timed.get(i);
      if (t.cancelled) {
        timed.remove(i);
      } else if (best == null || t.dueNanos - best.dueNanos < 0) {
        best = t;
      }
    }
    return best;
  }
}
