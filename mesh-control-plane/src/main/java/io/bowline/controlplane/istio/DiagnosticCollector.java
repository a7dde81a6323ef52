package io.bowline.controlplane.istio;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.Diagnostic.Severity;
import io.bowline.controlplane.DiagnosticCode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Collects {@link Diagnostic}s in the order they are found, dropping exact duplicates. Not thread-safe: one
 * collector belongs to one load or translation. A diagnostic whose site names no {@link DiagnosticCode} gets
 * its severity's default ({@code IST0106} for errors, {@code IST0133} for warnings, {@code BLN0004} for
 * information).
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
    add(Severity.ERROR, null, ref, field, message);
  }

  /** Records an error with a specific code. */
  public void error(DiagnosticCode code, ResourceRef ref, String field, String message) {
    add(Severity.ERROR, code, ref, field, message);
  }

  /** Records a warning tied to a field of a resource. */
  public void warning(ResourceRef ref, String field, String message) {
    add(Severity.WARNING, null, ref, field, message);
  }

  /** Records a warning with a specific code. */
  public void warning(DiagnosticCode code, ResourceRef ref, String field, String message) {
    add(Severity.WARNING, code, ref, field, message);
  }

  /** Records an informational note tied to a field of a resource. */
  public void info(ResourceRef ref, String field, String message) {
    add(Severity.INFO, null, ref, field, message);
  }

  /** Records an informational note with a specific code. */
  public void info(DiagnosticCode code, ResourceRef ref, String field, String message) {
    add(Severity.INFO, code, ref, field, message);
  }

  /** Records an error about a whole file (for example unparseable YAML), at an unknown position. */
  public void fileError(String file, String message) {
    fileError(file, 0, 0, message);
  }

  /** Records an error about a whole file (for example unparseable YAML) at a 1-based line and column. */
  public void fileError(String file, int line, int column, String message) {
    diagnostics.add(new Diagnostic(Severity.ERROR, DiagnosticCode.UNREADABLE_FILE.id(), file, line, column, "",
        "", "", "", message));
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

  private void add(Severity severity, DiagnosticCode code, ResourceRef ref, String field, String message) {
    long position = lines.positionOf(ref, field);
    diagnostics.add(new Diagnostic(severity, code == null ? null : code.id(), ref.file(),
        SourceLines.line(position), SourceLines.column(position), ref.kind(), ref.namespace(), ref.name(),
        field, message));
  }
}
