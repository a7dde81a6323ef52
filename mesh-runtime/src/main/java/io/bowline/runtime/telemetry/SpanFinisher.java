package io.bowline.runtime.telemetry;

import io.bowline.runtime.lifecycle.SharedRuntime;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends sampled calls' spans off the calls' threads: a sampled call over a stable request (an OkHttp call's) hands
 * its span's tags, attempt spans and end, with the timestamps it took, to this queue when it completes, and one shared
 * thread, started by the first, runs what is queued every {@value #DELAY_MILLIS} ms. With 1 % of calls sampled, those
 * calls are P1's slowest 1 %; here they pay one queue append, with no thread to wake, instead of twenty tags and a
 * second span. Spans reach the application's span processor up to {@value #DELAY_MILLIS} ms later, well inside OTel's
 * batch processor's own 5 s delay; {@link #drain()} runs what is queued at once (a client's close).
 */
final class SpanFinisher {
  private static final Logger log = LoggerFactory.getLogger(SpanFinisher.class);
  /** How often the thread runs what is queued, ms. */
  static final long DELAY_MILLIS = 20;
  private static final ConcurrentLinkedQueue<Runnable> QUEUE = new ConcurrentLinkedQueue<>();
  private static final SharedRuntime.Service<ScheduledExecutorService> THREAD = SharedRuntime.service(
      "span finish", SpanFinisher::thread, ScheduledExecutorService::shutdown);

  private SpanFinisher() {}

  /** The thread, running what is queued every {@value #DELAY_MILLIS} ms from its start to the mesh threads' stop. */
  private static ScheduledExecutorService thread() {
    ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bowline-span-finish");
      t.setDaemon(true);
      return t;
    });
    s.scheduleWithFixedDelay(SpanFinisher::drain, DELAY_MILLIS, DELAY_MILLIS, TimeUnit.MILLISECONDS);
    return s;
  }

  /** Queues {@code finish}; the first call starts the thread (again after the mesh's threads stopped). */
  static void submit(Runnable finish) {
    QUEUE.add(finish);
    THREAD.get();
  }

  /** Runs everything queued now, on the calling thread. */
  static void drain() {
    for (Runnable r = QUEUE.poll(); r != null; r = QUEUE.poll()) {
      try {
        r.run();
      } catch (RuntimeException e) {
        log.warn("ending a span failed", e);
      }
    }
  }
}
