package io.bowline.runtime.router.timeout;

import io.bowline.api.config.RouteTimeouts;
import java.time.Duration;

/**
 * The route timeout of one call ({@code RouteAction.timeout}): it covers every attempt and
 * back-off. {@link #NONE} when the timeout is 0 (disabled). Transports bound each attempt by
 * {@link #remainingMillis()}; a failure within {@link #SLACK_NANOS} of the deadline is the route
 * timeout (504 {@code UT}).
 */
public final class Deadline {
  /** No route timeout. */
  public static final Deadline NONE = new Deadline(Long.MAX_VALUE, false);

  /** A failure this close to the deadline (or later) counts as the route timeout. */
  public static final long SLACK_NANOS = 5_000_000;

  private final long deadlineNanos;
  private final boolean bounded;

  private Deadline(long deadlineNanos, boolean bounded) {
    this.deadlineNanos = deadlineNanos;
    this.bounded = bounded;
  }

  /**
   * The timeout Envoy's router runs an HTTP call with: {@code max_stream_duration} when the route
   * sets it (it then replaces {@code RouteAction.timeout}; zero = none), else
   * {@code RouteAction.timeout}.
   */
  public static Duration of(RouteTimeouts timeouts) {
    return timeouts.maxStreamDuration() != null ? timeouts.maxStreamDuration() : timeouts.timeout();
  }

  /** Timeouts at least this long start from the {@link CoarseClock} reading. */
  static final long COARSE_MIN_NANOS = 1_000_000_000;

  /**
   * A deadline {@code timeout} from now, or {@link #NONE} when it is zero. A timeout of 1 s or
   * more starts from the approximate clock (up to about a millisecond early, under 0.1 % of it),
   * a shorter one from {@code System.nanoTime()}.
   */
  public static Deadline after(Duration timeout) {
    return timeout.isZero() ? NONE : new Deadline(nanosAfter(timeout), true);
  }

  /**
   * What {@link #after} keeps, without an object: the {@code System.nanoTime()} value at which
   * {@code timeout} from now passes (same clocks as {@link #after}), or {@link Long#MAX_VALUE} when it
   * is zero (no deadline).
   */
  public static long nanosAfter(Duration timeout) {
    if (timeout.isZero()) {
      return Long.MAX_VALUE;
    }
    long nanos = timeout.toNanos();
    long now = nanos >= COARSE_MIN_NANOS ? CoarseClock.nanoTime() : System.nanoTime();
    return now + nanos;
  }

  /** A deadline at {@code deadlineNanoTime} ({@code System.nanoTime()}). */
  public static Deadline at(long deadlineNanoTime) {
    return new Deadline(deadlineNanoTime, true);
  }

  /** The {@code System.nanoTime()} value at which the timeout passes (bounded deadlines only). */
  public long deadlineNanos() {
    return deadlineNanos;
  }

  /**
   * The deadline as {@link #nanosAfter} gives it (what {@code UpstreamTransport.deadlineNanos()} returns):
   * {@link #deadlineNanos()} when bounded, else {@link Long#MAX_VALUE}.
   */
  public long nanosOrUnbounded() {
    return bounded ? deadlineNanos : Long.MAX_VALUE;
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
    return bounded ? millisUntil(deadlineNanos) : Long.MAX_VALUE;
  }

  /**
   * Milliseconds left until {@code deadlineNanoTime} ({@code System.nanoTime()}), at least 1 while
   * it has not passed, 0 after: for a holder that keeps a bounded deadline's {@link #deadlineNanos()}
   * instead of the object. While at least {@link #COARSE_MIN_NANOS} are left it reads the
   * {@link CoarseClock} (up to about 1 ms behind, as {@link #nanosAfter} does for long timeouts),
   * closer to the deadline the precise clock: a call far from its deadline reads no precise clock.
   */
  public static long millisUntil(long deadlineNanoTime) {
    long n = deadlineNanoTime - CoarseClock.nanoTime();
    if (n < COARSE_MIN_NANOS) {
      n = deadlineNanoTime - System.nanoTime();
    }
    return n <= 0 ? 0 : Math.max(1, n / 1_000_000);
  }

  /** Whether the route timeout has passed. */
  public boolean expired() {
    return bounded && remainingNanos() <= 0;
  }

  /** Whether the route timeout has passed or is within {@link #SLACK_NANOS}. */
  public boolean expiredOrDue() {
    return bounded && remainingNanos() <= SLACK_NANOS;
  }
}
