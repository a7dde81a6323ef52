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

  /**
   * Whether the current thread is the one this scheduler's tasks run on, so that work arriving on
   * it while a task runs may be finished by that task instead of queued (a blocking adapter's
   * transport answers inside the task that sent the attempt). False unless the scheduler knows.
   */
  default boolean runsOnCurrentThread() {
    return false;
  }

  /** A scheduled task. */
  @FunctionalInterface
  interface Cancellable {
    /** Stops the task unless it has started; idempotent. */
    void cancel();
  }
}
