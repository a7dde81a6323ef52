package io.bowline.samples.bookinfo;

import java.io.PrintStream;
import java.util.List;

/** Prints step results as a fixed-width table: observed shares of reviews v1/v2/v3 in percent, expected, OK/FAIL. */
final class ResultTable {

  private static final String ROW = "%-15s %-10s %7s %7s %7s %7s  %-26s %s%n";

  private ResultTable() {}

  /** Prints a header, one row per result, and each failed row's first error below the table. */
  static void print(List<StepResult> results, PrintStream out) {
    out.printf(ROW, "step", "user", "v1", "v2", "v3", "errors", "expected", "result");
    for (StepResult r : results) {
      out.printf(ROW, r.step(), r.caller().label(),
          percent(r.share("v1")), percent(r.share("v2")), percent(r.share("v3")), percent(r.errorShare()),
          r.expected().describe(r.requests()), r.ok() ? "OK" : "FAIL");
    }
    for (StepResult r : results) {
      if (r.firstError() != null) {
        out.printf("step %s, %s: %d of %d pages failed; first: %s%n",
            r.step(), r.caller().label(), r.errors(), r.requests(), r.firstError());
      }
    }
  }

  private static String percent(double share) {
    return String.format("%.1f%%", share);
  }
}
