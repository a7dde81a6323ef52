package io.bowline.samples.bookinfo;

import java.util.concurrent.TimeUnit;

/**
 * A counter of "something changed" events (a control-plane reload, a client's config update) that
 * a waiter can block on instead of polling.
 */
final class ChangeSignal {
  private long generation;

  /** Records a change and wakes every waiter. */
  synchronized void signal() {
    generation++;
    notifyAll();
  }

  /** The number of changes so far; pass it to {@link #awaitChangeSince}. */
  synchronized long generation() {
    return generation;
  }

  /**
   * Waits until a change after {@code seen} has happened, or the deadline ({@link System#nanoTime()})
   * has passed.
   *
   * @return whether a change happened
   * @throws InterruptedException if interrupted while waiting
   */
  synchronized boolean awaitChangeSince(long seen, long deadlineNanos) throws InterruptedException {
    while (generation == seen) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }
}
