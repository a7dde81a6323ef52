package io.bowline.runtime.pipeline;

/**
 * Where one exchange's events run, one at a time (grpc-java's {@code SynchronizationContext}
 * pattern): transport callbacks, timers (fault delays, retry back-off) and cancellation. No lock is
 * held while a task runs, so a task may call the application.
 */
public interface CallScheduler {

  /** Runs {@code task} after the tasks before it, never concurrently with another of this scheduler's tasks. */
  void execute(Runnable task);

  /**
   * Runs {@code task} through {@link #execute} after {@code delayNanos}.
   *
   * @return a handle that stops it if it has not started
   */
  Cancellable schedule(Runnable task, long delayNanos);

  /** A scheduled task. */
  @FunctionalInterface
  interface Cancellable {
    /** Stops the task unless it has started; idempotent. */
    void cancel();
  }
}
