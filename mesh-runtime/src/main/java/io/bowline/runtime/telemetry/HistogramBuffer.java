package io.bowline.runtime.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Istio's three histograms ({@code istio_request_duration_milliseconds}, {@code istio_request_bytes},
 * {@code istio_response_bytes}) recorded as Envoy records histograms: each thread records into histograms of its
 * own, and a stats flush merges every thread's into the shared meters (Micrometer's {@code DistributionSummary}s).
 * Envoy's workers record into thread-local histograms that the main thread merges into the parent histograms at
 * each stats flush ({@code stats_flush_interval}, 5 s by default); what {@code /stats/prometheus} shows of a
 * histogram is its state at the last flush. The counters every call adds to besides {@code istio_requests_total}
 * (Envoy's cluster {@code upstream_rq_total} and {@code upstream_rq_xx}) are buffered the same way ({@link Cell}),
 * since an increment of a composite registry's counter walks its children; {@code istio_requests_total} stays
 * immediate (incremented by the call itself).
 *
 * <p><b>Staleness:</b> a value shows in the histograms at the latest one flush interval after its call ended: a
 * flush runs every interval, on {@link #flush()} (the admin {@code /stats} and {@code /stats/prometheus} handlers
 * call it before they read the registry) and on {@link #close()}.
 *
 * <p><b>Cost on the call's thread:</b> a thread-local lookup and, per histogram, a scan of Istio's 19 bounds and two
 * additions to the thread's own {@code long}s, between two ordered stores of a sequence number (a seqlock, so a
 * flush copies a consistent state); no atomic read-modify-write, no lock, no clock read, no allocation. A thread
 * keeps, per time series it recorded, the count and the sum of each bucket (about 1 KiB, and as much again for
 * what the flush merged last), made on its first value of that series; a thread's histograms are dropped at the
 * first flush after it ended.
 *
 * <p><b>What a flush feeds Micrometer:</b> Micrometer's summaries take one value per call of {@code record}; a flush
 * records, per bucket, as many values as the thread's calls put in it since the last flush, their integer sum spread
 * evenly (each value the floor or the ceiling of the bucket's mean, so each lies between the bucket's smallest and
 * largest value). Hence {@code _bucket}, {@code _count} and the {@code _sum} of the byte histograms are exact, the
 * duration's {@code _sum} is exact in nanoseconds (converted to milliseconds per value); Micrometer's own
 * {@code _max} gauge (not an Istio series) shows the largest such value, in the bucket of the true maximum and not
 * above it. The merge's cost (those {@code record} calls) is the flush thread's.
 */
final class HistogramBuffer implements AutoCloseable {
  /** Envoy's default {@code stats_flush_interval}. */
  static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(5);
  /** Buckets per histogram: Istio's 19 bounds and the one above them. */
  private static final int BUCKETS = IstioMetrics.BUCKETS.length + 1;
  /** A block's layout: the sequence number, then per histogram a count and a sum per bucket. */
  private static final int HISTOGRAM = 2 * BUCKETS;
  private static final int BLOCK = 1 + 3 * HISTOGRAM;
  private static final double NANOS_PER_MILLI = TimeUnit.MILLISECONDS.toNanos(1);
  /** Istio's bounds for integer values: in nanoseconds for the duration, whole bytes for the sizes. */
  private static final long[] NANOS_BOUNDS = new long[BUCKETS - 1];
  private static final long[] BYTES_BOUNDS = new long[BUCKETS - 1];
  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

  static {
    for (int i = 0; i < BUCKETS - 1; i++) {
      NANOS_BOUNDS[i] = (long) (IstioMetrics.BUCKETS[i] * NANOS_PER_MILLI); // exact: 0.5 ms is 500,000 ns
      BYTES_BOUNDS[i] = (long) Math.floor(IstioMetrics.BUCKETS[i]); // an integer n <= 0.5 iff n <= 0
    }
  }

  /** One daemon thread flushes the buffers of every client of this JVM, while one is open. */
  private static final ScheduledThreadPoolExecutor FLUSHER = flusher();

  private final ThreadLocal<Local> local = ThreadLocal.withInitial(this::local);
  /** Every recording thread's histograms, copied on write (under {@code this}). */
  private volatile Local[] locals = new Local[0];
  private final AtomicInteger nextSeries = new AtomicInteger();
  private final AtomicInteger nextCell = new AtomicInteger();
  private final ScheduledFuture<?> periodic;

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
    Runnable periodicFlush = () -> {
      HistogramBuffer b = self.get();
      if (b == null) {
        throw new Collected(); // ends the periodic task
      }
      b.flush();
    };
    long nanos = interval.toNanos();
    this.periodic = FLUSHER.scheduleWithFixedDelay(periodicFlush, nanos, nanos, TimeUnit.NANOSECONDS);
  }

  /** Ends the periodic task of a buffer that was collected. */
  private static final class Collected extends RuntimeException {
    Collected() {
      super(null, null, false, false);
    }
  }

  /**
   * One time series' three histograms, as the meters the flush feeds.
   *
   * @param id the series' index in each thread's blocks
   */
  record Series(int id, DistributionSummary duration, DistributionSummary requestBytes,
      DistributionSummary responseBytes) {}

  /**
   * One counter buffered per thread as the histograms are (Envoy's cluster request counters, which every call
   * adds to): the flush adds what each thread counted since the last flush.
   *
   * @param id the counter's index in each thread's counts
   */
  record Cell(int id, Counter counter) {}

  /** A new buffered cell of {@code counter}. */
  Cell cell(Counter counter) {
    return new Cell(nextCell.getAndIncrement(), counter);
  }

  /**
   * Adds {@code n} to the calling thread's count of {@code cell}: a plain addition to the thread's own
   * {@code long}, published by an opaque store (each count is read on its own, so no sequence number is needed).
   */
  void count(Cell cell, long n) {
    local.get().count(cell, n);
  }

  /** A new series of this buffer for the three summaries of one label set. */
  Series series(DistributionSummary duration, DistributionSummary requestBytes, DistributionSummary responseBytes) {
    return new Series(nextSeries.getAndIncrement(), duration, requestBytes, responseBytes);
  }

  /**
   * Records one call's values into the calling thread's histograms of {@code series}.
   *
   * @param series the call's time series
   * @param durationNanos the call's duration in nanoseconds; negative: unknown (not recorded)
   * @param requestBytes the request body's size in bytes (negative counts as 0)
   * @param responseBytes the response body's size in bytes (negative counts as 0)
   */
  void record(Series series, long durationNanos, long requestBytes, long responseBytes) {
    long[] b = local.get().block(series);
    long seq = b[0];
    SLOT.setOpaque(b, 0, seq + 1); // odd: being written
    VarHandle.storeStoreFence();
    if (durationNanos >= 0) {
      add(b, 1, NANOS_BOUNDS, durationNanos);
    }
    add(b, 1 + HISTOGRAM, BYTES_BOUNDS, Math.max(0, requestBytes));
    add(b, 1 + 2 * HISTOGRAM, BYTES_BOUNDS, Math.max(0, responseBytes));
    SLOT.setRelease(b, 0, seq + 2);
  }

  private static void add(long[] b, int at, long[] bounds, long v) {
    int i = 0;
    while (i < bounds.length && v > bounds[i]) {
      i++;
    }
    int slot = at + 2 * i;
    b[slot]++;
    b[slot + 1] += v;
  }

  /** Merges every thread's values since the last flush into the meters now. Thread-safe. */
  void flush() {
    for (Local l : locals) {
      Thread owner = l.owner.get();
      boolean ended = owner == null || !owner.isAlive(); // read before the merge: nothing is recorded after it
      l.merge();
      if (ended) {
        remove(l);
      }
    }
  }

  /** Stops the periodic flush and merges what is recorded; values recorded later wait for {@link #flush()}. */
  @Override
  public void close() {
    periodic.cancel(false);
    flush();
  }

  private synchronized Local local() {
    Local l = new Local(Thread.currentThread());
    Local[] next = Arrays.copyOf(locals, locals.length + 1);
    next[next.length - 1] = l;
    locals = next;
    return l;
  }

  /**
   * Drops {@code l}; a no-op when another flush (the periodic one and a scrape's can run together, each having seen
   * the thread ended) dropped it already.
   */
  private synchronized void remove(Local l) {
    Local[] current = locals;
    int at = Arrays.asList(current).indexOf(l);
    if (at < 0) {
      return;
    }
    Local[] next = new Local[current.length - 1];
    System.arraycopy(current, 0, next, 0, at);
    System.arraycopy(current, at + 1, next, at, next.length - at);
    locals = next;
  }

  private static ScheduledThreadPoolExecutor flusher() {
    ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, task -> {
      Thread t = new Thread(task, "bowline-stats-flush");
      t.setDaemon(true);
      return t;
    });
    e.setRemoveOnCancelPolicy(true);
    // no mesh thread outlives the last client: the thread ends a second after the last buffer's task is cancelled
    e.setKeepAliveTime(1, TimeUnit.SECONDS);
    e.allowCoreThreadTimeOut(true);
    return e;
  }

  /**
   * One thread's histograms: a block of {@code long}s per series it recorded, written by that thread only (a
   * seqlock per block), merged under the object's lock by a flush, which keeps what it merged last to take the
   * difference. Static: the thread's map of locals holds it, and it must not keep the buffer's {@code ThreadLocal}
   * alive.
   */
  private static final class Local {
    final WeakReference<Thread> owner;
    /** By series id; the owner's, published by volatile writes when it grows or gains a block. */
    private volatile long[][] blocks = new long[8][];
    private volatile Series[] series = new Series[8];
    /** By series id: what the last flush merged (the flush's own). */
    private long[][] merged = new long[8][];
    private final long[] copy = new long[BLOCK];
    /** By cell id: the owner's counts, published as the blocks are; the cells before the counts. */
    private volatile long[] counts = new long[8];
    private volatile Cell[] cells = new Cell[8];
    /** By cell id: what the last flush added (the flush's own). */
    private long[] countsMerged = new long[8];

    Local(Thread owner) {
      this.owner = new WeakReference<>(owner);
    }

    long[] block(Series s) {
      long[][] all = blocks;
      int id = s.id();
      if (id < all.length) {
        long[] b = all[id];
        if (b != null) {
          return b;
        }
      }
      return newBlock(s);
    }

    void count(Cell cell, long n) {
      long[] c = counts;
      int id = cell.id();
      if (id >= c.length || cells[id] == null) {
        c = newCell(cell);
      }
      SLOT.setOpaque(c, id, c[id] + n);
    }

    private synchronized long[] newCell(Cell cell) {
      int id = cell.id();
      int n = Math.max(counts.length, Integer.highestOneBit(id) * 2);
      Cell[] named = Arrays.copyOf(cells, n);
      named[id] = cell;
      long[] c = Arrays.copyOf(counts, n);
      cells = named;
      counts = c; // after the cells: a flush that sees a count sees its cell
      return c;
    }

    private synchronized long[] newBlock(Series s) {
      int id = s.id();
      long[][] all = blocks;
      Series[] named = series;
      if (id >= all.length) {
        int n = Math.max(all.length * 2, id + 1);
        all = Arrays.copyOf(all, n);
        named = Arrays.copyOf(named, n);
      } else {
        all = all.clone();
        named = named.clone();
      }
      long[] b = new long[BLOCK];
      all[id] = b;
      named[id] = s;
      series = named;
      blocks = all; // after the series: a flush that sees the block sees its series
      return b;
    }

    synchronized void merge() {
      mergeCounts();
      long[][] all = blocks;
      Series[] named = series;
      if (merged.length < all.length) {
        merged = Arrays.copyOf(merged, all.length);
      }
      for (int id = 0; id < all.length; id++) {
        long[] b = all[id];
        if (b == null) {
          continue;
        }
        snapshot(b);
        long[] last = merged[id];
        if (last == null) {
          last = new long[BLOCK];
          merged[id] = last;
        }
        if (copy[0] == last[0]) {
          continue; // nothing recorded since
        }
        Series s = named[id];
        feed(s.duration(), 1, last, true);
        feed(s.requestBytes(), 1 + HISTOGRAM, last, false);
        feed(s.responseBytes(), 1 + 2 * HISTOGRAM, last, false);
        System.arraycopy(copy, 0, last, 0, BLOCK);
      }
    }

    /** Adds to each cell's counter what the owner counted since the last flush. */
    private void mergeCounts() {
      long[] c = counts;
      Cell[] named = cells;
      if (countsMerged.length < c.length) {
        countsMerged = Arrays.copyOf(countsMerged, c.length);
      }
      for (int id = 0; id < c.length; id++) {
        long v = (long) SLOT.getOpaque(c, id);
        long d = v - countsMerged[id];
        if (d != 0) {
          named[id].counter().increment(d);
          countsMerged[id] = v;
        }
      }
    }

    /** Copies {@code b} into {@link #copy} as it was between two of its owner's records. */
    private void snapshot(long[] b) {
      while (true) {
        long before = (long) SLOT.getAcquire(b, 0);
        if ((before & 1) == 0) {
          for (int i = 1; i < BLOCK; i++) {
            copy[i] = (long) SLOT.getOpaque(b, i);
          }
          VarHandle.loadLoadFence();
          if ((long) SLOT.getOpaque(b, 0) == before) {
            copy[0] = before;
            return;
          }
        }
        Thread.onSpinWait();
      }
    }

    /** Records into {@code summary} the values of one histogram's buckets added since {@code last}. */
    private void feed(DistributionSummary summary, int at, long[] last, boolean nanos) {
      for (int k = 0; k < BUCKETS; k++) {
        int slot = at + 2 * k;
        long n = copy[slot] - last[slot];
        if (n == 0) {
          continue;
        }
        long sum = copy[slot + 1] - last[slot + 1];
        long q = sum / n;
        long r = sum % n; // r values of q + 1, the others q: the bucket's sum, each value within its range
        for (long i = 0; i < n; i++) {
          long v = i < r ? q + 1 : q;
          summary.record(nanos ? v / NANOS_PER_MILLI : v);
        }
      }
    }
  }
}
