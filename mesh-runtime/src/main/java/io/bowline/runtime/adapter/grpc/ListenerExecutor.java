package io.bowline.runtime.adapter.grpc;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one call's application listener callbacks on the executor of the call's
 * {@code CallOptions}, one at a time and in the order they were given (grpc-java runs listener
 * callbacks the same way). The call's scheduler may run on any thread (a retry's back-off timer,
 * a shadow, a filter that decides on a thread of its own), but a blocking stub waits on its own
 * executor and wakes only for tasks given to it, so every callback goes there.
 */
final class ListenerExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(ListenerExecutor.class);

  private final Executor executor;
  private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();

  ListenerExecutor(Executor executor) {
    this.executor = executor;
  }

  @Override
  public void execute(Runnable callback) {
    queue.add(callback);
    if (draining.compareAndSet(false, true)) {
      try {
        executor.execute(this::drain);
      } catch (RuntimeException e) { // the application's executor refused (shut down): the callback is lost
        queue.remove(callback);
        draining.set(false);
        throw e;
      }
    }
  }

  private void drain() {
    while (true) {
      Runnable r;
      while ((r = queue.poll()) != null) {
        try {
          r.run();
        } catch (RuntimeException | Error e) {
          log.warn("gRPC listener callback failed", e);
        }
      }
      draining.set(false);
      // a callback given after the last poll and before the flag was cleared found it set: take it
      if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
        return;
      }
    }
  }
}
