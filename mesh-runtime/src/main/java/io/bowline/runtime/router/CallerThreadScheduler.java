package io.bowline.runtime.router;

import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link CallScheduler} for a blocking call: every task runs on the caller's own thread, which
 * waits in {@link #runUntil} for the exchange to end (grpc-java's {@code ThreadlessExecutor}). Delays
 * (fault delays, retry back-off) are waits of that thread; no other thread is involved. Tasks may
 * only be submitted from the caller's thread.
 */
public final class CallerThreadScheduler implements CallScheduler {
  private final ArrayDeque<Runnable> ready = new ArrayDeque<>(4);
  private List<Timed> timed; // rare: fault delays and back-off

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
  public void execute(Runnable task) {
    ready.add(task);
  }

  @Override
  public Cancellable schedule(Runnable task, long delayNanos) {
    if (timed == null) {
      timed = new ArrayList<>(2);
    }
    Timed t = new Timed(System.nanoTime() + delayNanos, task);
    timed.add(t);
    return t;
  }

  /**
   * Runs tasks, waiting for timed ones, until {@code done} completes.
   *
   * @throws InterruptedIOException if the thread is interrupted while it waits (the wait ends; the
   *     interrupt flag is set again)
   * @throws IllegalStateException if nothing is left to run and {@code done} is still pending
   */
  public void runUntil(CompletableFuture<?> done) throws InterruptedIOException {
    while (true) {
      Runnable r;
      while ((r = ready.poll()) != null) {
        r.run();
      }
      if (done.isDone()) {
        return;
      }
      Timed next = earliest();
      if (next == null) {
        throw new IllegalStateException("exchange stalled: no task left and no result");
      }
      long wait;
      while ((wait = next.dueNanos - System.nanoTime()) > 0 && !next.cancelled) {
        LockSupport.parkNanos(this, wait);
        if (Thread.interrupted()) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while the mesh delayed the call (fault delay or retry back-off)");
        }
      }
      timed.remove(next);
      if (!next.cancelled) {
        next.task.run();
      }
    }
  }

  private Timed earliest() {
    if (timed == null) {
      return null;
    }
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
