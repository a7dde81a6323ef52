package io.bowline.runtime.resilience.mirror;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs shadow requests fire-and-forget on a small bounded pool: when the queue is full the shadow
 * is dropped (counted), so mirroring never blocks or slows the caller.
 */
public final class MirrorExecutor implements AutoCloseable {
  private final ThreadPoolExecutor pool;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();

  /**
   * @param threads worker threads (daemon)
   * @param queueSize shadows waiting at most; beyond it they are dropped
   */
  public MirrorExecutor(int threads, int queueSize) {
    this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(queueSize), r -> {
          Thread t = new Thread(r, "bowline-mirror");
          t.setDaemon(true);
          return t;
        }, (r, e) -> dropped.incrementAndGet());
    pool.allowCoreThreadTimeOut(true);
  }

  /** A shadow request: runs it, returns the bytes sent; exceptions are swallowed and counted. */
  @FunctionalInterface
  public interface Shadow {
    long send() throws Exception;
  }

  /** Submits a shadow; never blocks, never throws. */
  public void submit(Shadow shadow) {
    pool.execute(() -> {
      try {
        bytes.addAndGet(shadow.send());
        sent.incrementAndGet();
      } catch (Exception | Error e) {
        failed.incrementAndGet();
      }
    });
  }

  /** Shadows completed (any status). */
  public long sent() {
    return sent.get();
  }

  /** Shadows that failed without a response. */
  public long failed() {
    return failed.get();
  }

  /** Shadows dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Request bytes mirrored (bodies of completed shadows). */
  public long mirroredBytes() {
    return bytes.get();
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
