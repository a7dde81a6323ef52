package io.bowline.runtime.router.timeout;

import io.bowline.runtime.lifecycle.SharedRuntime;
import java.util.concurrent.locks.LockSupport;

/**
 * An approximate monotonic clock, in {@code System.nanoTime()} units: a field that a daemon
 * thread refreshes every millisecond while calls read it, as Envoy's dispatcher caches one
 * reading of the monotonic clock per event-loop iteration ({@code approximateMonotonicTime}).
 *
 * <p>A reading is behind the precise clock by about one tick (1 ms) and never ahead of it. The
 * ticker stops after a second without readers and the next reader then reads the precise clock
 * (and wakes it), so an idle process has no timer wake-ups. A precise {@code System.nanoTime()}
 * costs tens of nanoseconds on some virtual machines; a reading here is two field loads. The
 * ticker thread belongs to the {@link SharedRuntime}: it ends after the last mesh client's
 * {@code close()}, and a later reader starts a new one.
 */
public final class CoarseClock {
  /** Refresh period of the cached reading, ns. */
  static final long TICK_NANOS = 1_000_000;
  /** Ticks without a reader after which the ticker parks until woken. */
  private static final int IDLE_TICKS = 1_000;

  private static final SharedRuntime.Service<Ticker> TICKER =
      SharedRuntime.service("coarse clock", Ticker::launch, Ticker::finish);

  private static volatile long now = System.nanoTime();
  private static volatile boolean ticking;
  private static volatile boolean read;

  private CoarseClock() {}

  /**
   * The cached reading, or the precise clock when the ticker is asleep (which wakes it).
   *
   * @return nanoseconds on the {@code System.nanoTime()} scale, at most about 1 ms behind it
   */
  public static long nanoTime() {
    if (!ticking) {
      return wake();
    }
    if (!read) {
      read = true; // written once per idle check, not per call
    }
    return now;
  }

  private static long wake() {
    long t = System.nanoTime();
    LockSupport.unpark(TICKER.get());
    return t;
  }

  /** The thread that refreshes {@link #now}; one at a time, started by the first reader. */
  private static final class Ticker extends Thread {
    private volatile boolean finishing;

    private Ticker() {
      super("bowline-coarse-clock");
      setDaemon(true);
    }

    static Ticker launch() {
      Ticker t = new Ticker();
      t.start();
      return t;
    }

    /** Ends the thread; readers read the precise clock until a new ticker runs. */
    void finish() {
      finishing = true;
      LockSupport.unpark(this);
    }

    @Override
    public void run() {
      int idle = 0;
      while (!finishing) {
        now = System.nanoTime();
        ticking = true;
        LockSupport.parkNanos(TICK_NANOS);
        if (read) {
          read = false;
          idle = 0;
        } else if (++idle >= IDLE_TICKS) {
          ticking = false;
          if (!read && !finishing) {
            LockSupport.park(); // until a reader finds the ticker stopped, or finish()
          }
          idle = 0;
        }
      }
      ticking = false;
    }
  }
}
