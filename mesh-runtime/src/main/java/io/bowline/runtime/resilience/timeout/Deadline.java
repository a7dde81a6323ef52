package io.bowline.runtime.resilience.timeout;

import java.time.Duration;

/**
 * The route timeout of one call ({@code RouteAction.timeout}): it covers every attempt and
 * back-off. {@link #NONE} when the timeout is 0 (disabled). A watchdog may mark it expired
 * early (after cancelling the transport call).
 */
public final class Deadline {
  /** No route timeout. */
  public static final Deadline NONE = new Deadline(Long.MAX_VALUE, false);

  private final long deadlineNanos;
  private final boolean bounded;
  private volatile boolean fired;

  private Deadline(long deadlineNanos, boolean bounded) {
    this.deadlineNanos = deadlineNanos;
    this.bounded = bounded;
  }

  /** A deadline {@code timeout} from now, or {@link #NONE} when it is zero. */
  public static Deadline after(Duration timeout) {
    return timeout.isZero() ? NONE : new Deadline(System.nanoTime() + timeout.toNanos(), true);
  }

  /** Whether there is a limit. */
  public boolean bounded() {
    return bounded;
  }

  /** Nanoseconds left (≤ 0 when expired); {@code Long.MAX_VALUE} when unbounded. */
  public long remainingNanos() {
    return bounded ? deadlineNanos - System.nanoTime() : Long.MAX_VALUE;
  }

  /** Milliseconds left, at least 1 while not expired; {@code Long.MAX_VALUE} when unbounded. */
  public long remainingMillis() {
    if (!bounded) {
      return Long.MAX_VALUE;
    }
    long n = remainingNanos();
    return n <= 0 ? 0 : Math.max(1, n / 1_000_000);
  }

  /** Whether the route timeout has passed (or the watchdog fired). */
  public boolean expired() {
    return fired || (bounded && remainingNanos() <= 0);
  }

  /** Called by the watchdog when it fires. */
  public void markFired() {
    fired = true;
  }
}
