package io.bowline.samples.bookinfo;

/**
 * A step's configuration did not take effect: the control plane reported ERROR diagnostics, or it
 * did not serve the step's files, or not every workload ACKed them, before the deadline.
 */
public final class StepFailedException extends Exception {

  private static final long serialVersionUID = 1L;

  /** @param message names the step and what was missing or wrong */
  public StepFailedException(String message) {
    super(message);
  }
}
