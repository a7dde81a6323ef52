package io.bowline.controlplane.istio;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.Diagnostic.Severity;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Collects {@link Diagnostic}s in the order they are found, dropping exact duplicates. Not thread-safe: one
 * collector belongs to one load or translation.
 */
public final class DiagnosticCollector {

  private final Set<Diagnostic> diagnostics = new LinkedHashSet<>();
  private final SourceLines lines;

  /** A collector that does not know where fields are written (diagnostics carry line 0). */
  public DiagnosticCollector() {
    this(SourceLines.NONE);
  }

  /** A collector that places each diagnostic at the line of its field. */
  public DiagnosticCollector(SourceLines lines) {
    this.lines = lines;
  }

  /** Records an error tied to a field of a resource. */
  public void error(ResourceRef ref, String field, String message) {
    add(Severity.ERROR, ref, field, message);
  }

  /** Records a warning tied to a field of a resource. */
  public void warning(ResourceRef ref, String field, String message) {
    add(Severity.WARNING, ref, field, message);
  }

  /** Records an informational note tied to a field of a resource. */
  public void info(ResourceRef ref, String field, String message) {
    add(Severity.INFO, ref, field, message);
  }

  /** Records a diagnostic about a whole file (for example unparseable YAML). */
  public void fileError(String file, String message) {
    diagnostics.add(new Diagnostic(Severity.ERROR, file, "", "", message));
  }

  /** Records every diagnostic of {@code others}. */
  public void addAll(List<Diagnostic> others) {
    diagnostics.addAll(others);
  }

  /** Whether any {@link Severity#ERROR} was recorded. */
  public boolean hasErrors() {
    return diagnostics.stream().anyMatch(Diagnostic::isError);
  }

  /** A snapshot of what was recorded so far, in order. */
  public List<Diagnostic> list() {
    return List.copyOf(new ArrayList<>(diagnostics));
  }

  private void add(Severity severity, ResourceRef ref, String field, String message) {
    diagnostics.add(
        new Diagnostic(severity, ref.file(), ref.label(), field, message, lines.lineOf(ref, field)));
  }
}
