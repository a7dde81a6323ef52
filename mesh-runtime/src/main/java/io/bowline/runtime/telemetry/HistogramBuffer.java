package io.bowline.runtime.telemetry;

import io.bowline.runtime.telemetry.MeterSet.Meters;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Istio's three histograms ({@code istio_request_duration_milliseconds}, {@code istio_request_bytes},
 * {@code istio_response_bytes}) recorded as Envoy records histograms: a call writes its raw values to a buffer of
 * its own thread, and a flush merges every thread's values into the shared meters (Micrometer's
 * {@code DistributionSummary}s). Envoy's workers record into thread-local histograms that the main thread merges
 * into the parent histograms at each stats flush ({@code stats_flush_interval}, 5 s by default); what
 * {@code /stats/prometheus} shows of a histogram is its state at the last flush. Counters stay immediate
 * ({@code istio_requests_total} is incremented by the call itself).
 *
 * <p><b>Staleness:</b> a value shows in the histograms at the latest one flush interval after its call ended. A
 * flush runs every interval, after every {@value #CAPACITY}/2 values of a thread (so a busy client's histograms
 * lag by far less), on {@link #flush()} (the admin
 * {@code /stats} and {@code /stats/prometheus} handlers call it before they read the registry) and on
 * {@link #close()}. No value is lost or recorded twice: when the flusher falls behind and a thread's buffer is full,
 * that thread merges its own buffer before it writes.
 *
 * <p><b>Cost on the call's thread:</b> a thread-local lookup, four array writes and one release store; no atomic
 * read-modify-write, no lock, no clock read. Each thread's buffer is a single-producer ring of {@value #CAPACITY}
 * entries (32 bytes each, made on the thread's first call), consumed under the ring's lock by the flusher (or by
 * its own thread when full). The rings of threads that ended are merged one last time and dropped.
 */
final class HistogramBuffer implements AutoCloseable {
  /** Envoy's default {@code stats_flush_interval}. */
  static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(5);
  /** Entries per thread's ring (a power of two). */
  static final int CAPACITY = 1024;
  private static final int MASK = CAPACITY - 1;
  private static final double NANOS_PER_MILLI = TimeUnit.MILLISECONDS.toNanos(1);
  private static final VarHandle TAIL;

  static {
    try {
      TAIL = MethodHandles.lookup().findVarHandle(Ring.class, "tail", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** One daemon thread flushes the buffers of every client of this JVM. */
  private static final ScheduledThreadPoolExecutor FLUSHER = flusher();

  private final ThreadLocal<Ring> local = ThreadLocal.withInitial(this::ring);
  /** Every thread's ring, copied on write (under {@code this}), so that a flush reads it without allocating. */
  private volatile Ring[] rings = new Ring[0];
  private final ScheduledFuture<?> periodic;
  private final Runnable wake;

  /**
   * @param interval how often the values are merged into the meters (Envoy's {@code stats_flush_interval})
   * @throws IllegalArgumentException if {@code interval} is not positive
   */
  HistogramBuffer(Duration interval) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("stats flush interval must be positive, got " + interval);
    }
    WeakReference<HistogramBuffer> self = new WeakReference<>(this);
    // the flusher holds this buffer weakly: a client dropped without close() does not keep it (or its task) alive
    this.wake = () -> {
      HistogramBuffer b = self.get();
      if (b != null) {
        b.flush();
      }
    };
    long nanos = interval.toNanos();
    Runnable periodicFlush = new Runnable() {
      @Override
      public void run() {
        HistogramBuffer b = self.get();
        if (b == null) {
          throw new CancellationException(); // ends the periodic task
        }
        b.flush();
      }
    };
    this.periodic = FLUSHER.scheduleWithFixedDelay(periodicFlush, nanos, nanos, TimeUnit.NANOSECONDS);
  }

  /** Stops a periodic task whose buffer was collected. */
  private static final class CancellationException extends RuntimeException {
    CancellationException() {
      super(null, null, false, false);
    }
  }

  /**
   * Buffers one call's histogram values for {@code meters}.
   *
   * @param meters the call's time series
   * @param durationNanos the call's duration in nanoseconds; negative: unknown (not recorded)
   * @param requestBytes the request body's size in bytes (negative counts as 0)
   * @param responseBytes the response body's size in bytes (negative counts as 0)
   */
  void record(Meters meters, long durationNanos, long requestBytes, long responseBytes) {
    local.get().put(meters, durationNanos, requestBytes, responseBytes);
  }

  /** Merges every thread's buffered values into the meters now. Thread-safe. */
  void flush() {
    for (Ring r : rings) {
      Thread owner = r.owner.get();
      boolean ended = owner == null || !owner.isAlive(); // read before the drain: nothing is written after it
      r.drain();
      if (ended) {
        remove(r);
      }
    }
  }

  /** Stops the periodic flush and merges what is buffered; values recorded later wait for {@link #flush()}. */
  @Override
  public void close() {
    periodic.cancel(false);
    flush();
  }

  private synchronized Ring ring() {
    Ring r = new Ring(Thread.currentThread(), wake);
    Ring[] next = Arrays.copyOf(rings, rings.length + 1);
    next[next.length - 1] = r;
    rings = next;
    return r;
  }

  private synchronized void remove(Ring r) {
    Ring[] current = rings;
    Ring[] next = new Ring[current.length - 1];
    int n = 0;
    for (Ring x : current) {
      if (x != r) {
        next[n++] = x;
      }
    }
    rings = next;
  }

  private static ScheduledThreadPoolExecutor flusher() {
    ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, task -> {
      Thread t = new Thread(task, "bowline-stats-flush");
      t.setDaemon(true);
      return t;
    });
    e.setRemoveOnCancelPolicy(true);
    return e;
  }

  /**
   * One thread's values: written by that thread only ({@link #put}), read under the ring's lock
   * ({@link #drain}). Static, holding its buffer only weakly (through {@link #wake}): the thread's map of locals
   * holds the ring, which must not keep the buffer's {@code ThreadLocal} alive. The owner publishes each entry with a release store of {@code tail}; the consumer publishes
   * the slots it freed with a volatile store of {@code head}.
   */
  private static final class Ring {
    final WeakReference<Thread> owner;
    /** Asks the flusher for a flush of the ring's buffer (holding the buffer weakly). */
    final Runnable wake;
    final Meters[] meters = new Meters[CAPACITY];
    final long[] values = new long[CAPACITY * 3];
    /** Entries written; the owner's, published by release stores. */
    @SuppressWarnings("unused") // through TAIL
    private long tail;
    /** Entries merged; the consumer's. */
    private volatile long head;
    /** Entries written when the owner last asked the flusher for a flush. */
    private long wakeAt = CAPACITY / 2;

    Ring(Thread owner, Runnable wake) {
      this.owner = new WeakReference<>(owner);
      this.wake = wake;
    }

    void put(Meters m, long durationNanos, long requestBytes, long responseBytes) {
      long t = tail; // the owner's own field: a plain read
      if (t - head == CAPACITY) {
        drain(); // the flusher fell behind: merge here rather than lose or block on a value
      } else if (t == wakeAt) {
        wakeAt = t + CAPACITY / 2;
        FLUSHER.execute(wake);
      }
      int i = (int) t & MASK;
      meters[i] = m;
      int v = i * 3;
      values[v] = durationNanos;
      values[v + 1] = requestBytes;
      values[v + 2] = responseBytes;
      TAIL.setRelease(this, t + 1);
    }

    synchronized void drain() {
      long h = head;
      long t = (long) TAIL.getAcquire(this);
      for (; h < t; h++) {
        int i = (int) h & MASK;
        Meters m = meters[i];
        meters[i] = null;
        int v = i * 3;
        long duration = values[v];
        if (duration >= 0) {
          m.duration().record(duration / NANOS_PER_MILLI);
        }
        m.requestBytes().record(Math.max(0, values[v + 1]));
        m.responseBytes().record(Math.max(0, values[v + 2]));
      }
      head = t;
    }
  }
}
