package io.bowline.runtime.filter.common.fault;

/**
 * What the fault filter decided for one request. Adapters sleep {@link #delayMillis()} (flag
 * {@code DI}) and then, if {@link #aborts()}, answer locally (flag {@code FI}) with
 * {@link #httpStatus()}, or for gRPC with {@link #grpcStatus()}. Call {@link #finish()} when the
 * fault is over (delay ended / abort sent) to free its {@code max_active_faults} slot.
 *
 * @param delayMillis the delay to inject, 0 for none
 * @param httpStatus the abort status, 0 for no HTTP abort
 * @param grpcStatus the abort gRPC status, -1 for none
 */
public record FaultDecision(long delayMillis, int httpStatus, int grpcStatus, FaultInjector owner) {
  /** Whether a delay fires. */
  public boolean delays() {
    return delayMillis > 0;
  }

  /** Whether an abort fires. */
  public boolean aborts() {
    return httpStatus > 0 || grpcStatus >= 0;
  }

  /** Releases the {@code max_active_faults} slot. */
  public void finish() {
    owner.release();
  }

  /** The response flags: {@code DI}, {@code FI} or {@code DI,FI}. */
  public String responseFlags() {
    if (delays() && aborts()) {
      return "DI,FI";
    }
    return delays() ? "DI" : "FI";
  }
}
