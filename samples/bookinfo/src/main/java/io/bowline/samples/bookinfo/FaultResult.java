package io.bowline.samples.bookinfo;

/**
 * What one caller saw in one fault-injection step.
 *
 * @param step the step's name
 * @param caller who asked
 * @param observed versions, errors and first error
 * @param secondsPerPage mean seconds per page
 * @param expected what should have been seen
 */
record FaultResult(
    String step, Caller caller, TrafficProbe.Observed observed, double secondsPerPage, FaultStep.Expected expected) {

  /** Whether the pages failed (or not) as expected, from the expected version, in the expected time. */
  public boolean ok() {
    int n = expected.requests();
    boolean errorsOk = expected.error() == null
        ? observed.errors() == 0
        : observed.errors() == n && observed.firstError() != null && observed.firstError().contains(expected.error());
    boolean versionOk = expected.version() == null || observed.versions().getOrDefault(expected.version(), 0) == n;
    boolean timeOk = secondsPerPage >= expected.minSeconds() && secondsPerPage <= expected.maxSeconds();
    return errorsOk && versionOk && timeOk;
  }

  /** One line for the results table. */
  public String describe() {
    return String.format("%-18s %-10s %3d pages  %5.1f s/page  errors %d/%d  %s%s",
        step, caller.label(), expected.requests(), secondsPerPage, observed.errors(), expected.requests(),
        ok() ? "OK" : "FAIL", observed.firstError() == null ? "" : "  first: " + observed.firstError());
  }
}
