package io.bowline.runtime.router.timeout;

import io.bowline.runtime.lifecycle.SharedRuntime;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs an action when a deadline passes, unless it is disarmed first: the OkHttp adapter's exchange
 * deadlines, the gRPC adapter's {@code max_stream_duration} caps ({@code MeshDeadline}) and the far timers
 * of the gRPC endpoint channels' event loops (call deadlines). One daemon thread
 * serves every mesh client of the process; it belongs to the {@link SharedRuntime} and ends after
 * the last client's {@code close()}, once the deadlines armed before have fired or been disarmed.
 *
 * <p>okio's {@code AsyncTimeout} does the same job but takes a lock and wakes its watchdog thread
 * on every arm whose deadline becomes the earliest, which for one call at a time is every call
 * (about 3 µs on a 2-CPU machine, most of the mesh's added latency). Here arming is a concurrent
 * set insertion; the watchdog thread is woken only when the new deadline is earlier than the time
 * it already plans to wake at. While deadlines are pending, or for {@value #IDLE_LINGER_SECONDS} s
 * after the last one, it wakes at least every {@value #HORIZON_MILLIS} ms, so that arming a
 * deadline further away than that never wakes it.
 *
 * <p>Deadlines are {@link System#nanoTime()} values; an action runs on the watchdog thread at (not
 * before) its deadline, and must be short and must not throw.
 */
public final class DeadlineWatchdog {
  static final long HORIZON_MILLIS = 1000;
  static final long IDLE_LINGER_SECONDS = 60;

  /** {@link Armed}'s state, compared and set in place (one object per arm, no separate atomic). */
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(Armed.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final SharedRuntime.Service<DeadlineWatchdog> SHARED = // after STATE: its thread uses it
      SharedRuntime.service("deadline watchdog", DeadlineWatchdog::new, DeadlineWatchdog::stop);

  private final Set<Armed> pending = ConcurrentHashMap.newKeySet();
  private final Thread thread;
  /** The nanoTime the watchdog thread will wake at, at the latest; {@code Long.MAX_VALUE} when parked for good. */
  private volatile long wakeAt = Long.MAX_VALUE;
  /** Set by {@link #stop()}: the thread ends once nothing is pending; new arms go to the next watchdog. */
  private volatile boolean stopping;

  private DeadlineWatchdog() {
    thread = new Thread(this::run, "bowline-exchange-deadlines");
    thread.setDaemon(true);
    thread.start();
  }

  /** The process's running watchdog (started on first use, see {@link SharedRuntime}). */
  public static DeadlineWatchdog get() {
    return SHARED.get();
  }

  /** Lets the deadlines already armed fire (or be disarmed), then ends the thread. */
  private void stop() {
    stopping = true;
    LockSupport.unpark(thread);
  }

  /**
   * Arms {@code onExpiry} to run at {@code deadlineNanoTime}.
   *
   * @return the handle to {@link Armed#disarm()} once the guarded work is done
   */
  public Armed arm(long deadlineNanoTime, Runnable onExpiry) {
    Armed a = new Armed(deadlineNanoTime, onExpiry);
    pending.add(a);
    if (stopping && pending.remove(a)) { // read after the insertion: the thread may have ended, see run()
      return get().arm(deadlineNanoTime, onExpiry);
    }
    if (before(deadlineNanoTime, wakeAt)) { // read after the insertion: see run()
      LockSupport.unpark(thread);
    }
    return a;
  }

  private void run() {
    long idleSince = System.nanoTime();
    while (true) {
      long now = System.nanoTime();
      long earliest = fireExpired(now);
      if (stopping && pending.isEmpty()) {
        return; // an arm that comes after this check sees stopping and re-arms on the next watchdog
      }
      if (earliest != Long.MAX_VALUE) {
        idleSince = now;
      }
      long horizon = now - idleSince > TimeUnit.SECONDS.toNanos(IDLE_LINGER_SECONDS)
          ? Long.MAX_VALUE : now + TimeUnit.MILLISECONDS.toNanos(HORIZON_MILLIS);
      long next = before(earliest, horizon) ? earliest : horizon;
      wakeAt = next;
      // an arm that read the previous wakeAt did not wake us: look again now that wakeAt is published
      if (before(earliest(System.nanoTime()), next)) {
        continue;
      }
      if (next == Long.MAX_VALUE) {
        LockSupport.park(this);
      } else {
        LockSupport.parkNanos(this, next - System.nanoTime());
      }
    }
  }

  /** Runs the actions due at {@code now}; returns the earliest deadline still pending, or {@code Long.MAX_VALUE}. */
  private long fireExpired(long now) {
    long earliest = Long.MAX_VALUE;
    for (Armed a : pending) {
      if (a.deadline - now <= 0) {
        pending.remove(a);
        if (a.transition(Armed.FIRED)) {
          a.onExpiry.run();
        }
      } else if (before(a.deadline, earliest)) {
        earliest = a.deadline;
      }
    }
    return earliest;
  }

  /** The earliest pending deadline, or {@code now} when one is already due, or {@code Long.MAX_VALUE}. */
  private long earliest(long now) {
    long earliest = Long.MAX_VALUE;
    for (Armed a : pending) {
      long d = a.deadline - now <= 0 ? now : a.deadline;
      if (before(d, earliest)) {
        earliest = d;
      }
    }
    return earliest;
  }

  /** Whether nanoTime {@code a} comes before {@code b}; {@code Long.MAX_VALUE} stands for never. */
  private static boolean before(long a, long b) {
    return a != Long.MAX_VALUE && (b == Long.MAX_VALUE || a - b < 0);
  }

  /** One armed deadline. */
  public final class Armed {
    static final int ARMED = 0;
    static final int DISARMED = 1;
    static final int FIRED = 2;

    private final long deadline;
    private final Runnable onExpiry;
    private volatile int state = ARMED;

    private boolean transition(int to) {
      return STATE.compareAndSet(this, ARMED, to);
    }

    private Armed(long deadline, Runnable onExpiry) {
      this.deadline = deadline;
      this.onExpiry = onExpiry;
    }

    /**
     * Cancels the action if it has not run yet.
     *
     * @return whether the deadline passed and the action ran (or is running)
     */
    public boolean disarm() {
      if (transition(DISARMED)) {
        pending.remove(this);
        return false;
      }
      return state == FIRED;
    }
  }
}
