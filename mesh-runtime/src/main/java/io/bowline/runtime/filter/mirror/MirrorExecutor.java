package io.bowline.runtime.filter.mirror;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs shadow requests fire-and-forget on a small bounded pool. The caller's cost is the hand-off
 * (a queue offer); when the queue is full the shadow is dropped and counted
 * ({@code bowline.mirror.dropped{reason=queue_full}}), so mirroring never blocks or slows the
 * caller. Outcomes are counted in {@link #metrics()}.
 */
public final class MirrorExecutor implements AutoCloseable {
  /**
   * Shadows in flight at most per mesh client: the threads of its executor, started on demand and
   * gone after 30 s idle. The mirror cluster's circuit breaker applies within this; shadow
   * connection pools keep as many idle connections, so concurrent shadows reuse them.
   */
  public static final int MAX_IN_FLIGHT = 64;

  /** What {@link Shadow#send(long)} returns when it did not send (it reported the drop itself). */
  public static final long NOT_SENT = -1;

  private final ThreadPoolExecutor pool;
  private final MirrorMetrics metrics;
  private final ShadowConnectBackoff connectBackoff;

  /**
   * @param threads worker threads (daemon)
   * @param queueSize shadows waiting at most; beyond it they are dropped
   * @param metrics where outcomes are counted
   * @param connectBackoff whether shadows back off from endpoints that refused a connection
   *     ({@link ShadowConnectBackoff}; off: a connect per shadow)
   */
  public MirrorExecutor(int threads, int queueSize, MirrorMetrics metrics, boolean connectBackoff) {
    this.metrics = metrics;
    this.connectBackoff = connectBackoff ? new ShadowConnectBackoff() : ShadowConnectBackoff.DISABLED;
    this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(queueSize), r -> {
          Thread t = new Thread(r, "bowline-mirror");
          t.setDaemon(true);
          return t;
        }, (r, e) -> metrics.dropped(((Task) r).cluster, MirrorMetrics.Drop.QUEUE_FULL));
    pool.allowCoreThreadTimeOut(true);
  }

  /** A shadow request. */
  @FunctionalInterface
  public interface Shadow {
    /**
     * Sends the shadow.
     *
     * @param remainingNanos how long the shadow may still take (its route timeout less the time it
     *     waited in the queue), or {@code Long.MAX_VALUE} without a limit
     * @return request body bytes written when a response came back, or {@link #NOT_SENT} when the
     *     shadow was dropped (reported through {@link MirrorExecutor#metrics()})
     * @throws Exception when it was sent and got no response (counted as {@code failure})
     */
    long send(long remainingNanos) throws Exception;
  }

  private final class Task implements Runnable {
    final String cluster;
    final Shadow shadow;
    final long timeoutNanos;
    final long submittedNanos;

    Task(String cluster, long timeoutNanos, Shadow shadow) {
      this.cluster = cluster;
      this.shadow = shadow;
      this.timeoutNanos = timeoutNanos;
      this.submittedNanos = timeoutNanos > 0 ? System.nanoTime() : 0;
    }

    @Override
    public void run() {
      long remaining = Long.MAX_VALUE;
      if (timeoutNanos > 0) {
        remaining = timeoutNanos - (System.nanoTime() - submittedNanos);
        if (remaining <= 0) {
          metrics.dropped(cluster, MirrorMetrics.Drop.EXPIRED);
          return;
        }
      }
      try {
        long bytes = shadow.send(remaining);
        if (bytes != NOT_SENT) {
          metrics.response(cluster, bytes);
        }
      } catch (Exception | Error e) {
        metrics.failure(cluster);
      }
    }
  }

  /**
   * Submits a shadow for the mirror cluster {@code cluster}; never blocks, never throws.
   *
   * @param timeoutNanos the route timeout, which bounds the shadow from now on (queueing
   *     included), as Envoy gives a shadow its route's timeout; 0 for none
   */
  public void submit(String cluster, long timeoutNanos, Shadow shadow) {
    pool.execute(new Task(cluster, timeoutNanos, shadow));
  }

  /** The mirror meters. */
  public MirrorMetrics metrics() {
    return metrics;
  }

  /** Connection back-off of mirror endpoints, shared by all adapters of the client. */
  public ShadowConnectBackoff connectBackoff() {
    return connectBackoff;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
