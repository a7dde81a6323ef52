package io.bowline.controlplane.cli;

import io.bowline.controlplane.Diagnostic;
import java.io.PrintWriter;
import java.util.List;

/** Prints diagnostics one per line and summarises them. */
final class DiagnosticPrinter {

  private DiagnosticPrinter() {}

  static void print(PrintWriter out, List<Diagnostic> diagnostics) {
    diagnostics.forEach(out::println);
    out.flush();
  }

  /** For example {@code "1 error, 2 warnings, 0 info"}. */
  static String summary(List<Diagnostic> diagnostics) {
    long errors = count(diagnostics, Diagnostic.Severity.ERROR);
    long warnings = count(diagnostics, Diagnostic.Severity.WARNING);
    long infos = count(diagnostics, Diagnostic.Severity.INFO);
    return errors + (errors == 1 ? " error, " : " errors, ") + warnings
        + (warnings == 1 ? " warning, " : " warnings, ") + infos + " info";
  }

  private static long count(List<Diagnostic> diagnostics, Diagnostic.Severity severity) {
    return diagnostics.stream().filter(d -> d.severity() == severity).count();
  }
}
