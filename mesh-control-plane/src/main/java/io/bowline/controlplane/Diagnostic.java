package io.bowline.controlplane;

import java.util.List;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * One finding of loading or translating Istio configuration: an error that rejects the whole reload, a
 * warning about something not (yet) translated or probably mistyped, or information about something
 * deliberately ignored.
 *
 * <p>Bad input never surfaces as an exception: it becomes one of these, naming where it was found. A
 * diagnostic never quotes the source text around the problem, and never the value of a Kubernetes
 * {@code Secret} or of a field that may hold credentials.
 *
 * @param severity how bad it is; only {@link Severity#ERROR} rejects a reload
 * @param code the stable message code, for example {@code IST0101} (Istio's code where the meaning is the
 *     same) or {@code BLN1002}; see {@link DiagnosticCode} and docs/analyze-codes.md
 * @param file the file name relative to the configuration directory ({@code ""} when not tied to a file)
 * @param line the 1-based line of the field (or of its nearest written parent) in {@code file}; 0 when
 *     unknown
 * @param column the 1-based column of that position; 0 when unknown
 * @param kind the resource's {@code kind} ({@code ""} when not tied to a resource)
 * @param namespace the resource's {@code metadata.namespace} ({@code ""} when not tied to a resource)
 * @param name the resource's {@code metadata.name} ({@code ""} when not tied to a resource)
 * @param field the field path inside the resource, for example
 *     {@code spec.http[0].route[1].destination.subset} ({@code ""} when not tied to a field)
 * @param message a human-readable explanation
 */
public record Diagnostic(Severity severity, String code, String file, int line, int column, String kind,
    String namespace, String name, String field, String message) {

  /** How serious a {@link Diagnostic} is. */
  public enum Severity {
    /** The configuration is invalid: the reload is rejected and the last good snapshot keeps serving. */
    ERROR,
    /** Something is not translated (yet) or probably wrong; the rest is served. */
    WARNING,
    /** Something is deliberately ignored. */
    INFO
  }

  /** Normalises {@code null} text fields to {@code ""}; {@code severity} and {@code message} are required. */
  public Diagnostic {
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(message, "message");
    code = code == null || code.isEmpty() ? DiagnosticCode.defaultFor(severity).id() : code;
    file = file == null ? "" : file;
    kind = kind == null ? "" : kind;
    namespace = namespace == null ? "" : namespace;
    name = name == null ? "" : name;
    field = field == null ? "" : field;
    line = Math.max(0, line);
    column = line == 0 ? 0 : Math.max(0, column);
  }

  /**
   * A diagnostic with its severity's default code and no column, its resource given as
   * {@code "Kind namespace/name"} (or {@code ""}), as diagnostics were made before codes and columns.
   */
  public Diagnostic(Severity severity, String file, String resource, String field, String message, int line) {
    this(severity, null, file, line, 0, kindOf(resource), namespaceOf(resource), nameOf(resource), field, message);
  }

  /** As {@link #Diagnostic(Severity, String, String, String, String, int)}, without a known line. */
  public Diagnostic(Severity severity, String file, String resource, String field, String message) {
    this(severity, file, resource, field, message, 0);
  }

  private static String kindOf(String resource) {
    return resource == null || resource.indexOf(' ') < 0 ? "" : resource.substring(0, resource.indexOf(' '));
  }

  private static String namespaceOf(String resource) {
    String rest = resource == null || resource.indexOf(' ') < 0 ? "" : resource.substring(resource.indexOf(' ') + 1);
    return rest.indexOf('/') < 0 ? "" : rest.substring(0, rest.indexOf('/'));
  }

  private static String nameOf(String resource) {
    String rest = resource == null || resource.indexOf(' ') < 0 ? "" : resource.substring(resource.indexOf(' ') + 1);
    return rest.substring(rest.indexOf('/') + 1);
  }

  /** Whether this is an {@link Severity#ERROR}. */
  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** The resource as {@code "Kind namespace/name"}; {@code ""} when not tied to one. */
  public String resource() {
    return kind.isEmpty() && name.isEmpty() ? "" : kind + " " + namespace + "/" + name;
  }

  /** This diagnostic with {@code severity} instead (for example a warning made an error by {@code --strict}). */
  public Diagnostic withSeverity(Severity severity) {
    return new Diagnostic(severity, code, file, line, column, kind, namespace, name, field, message);
  }

  /**
   * What {@code --strict} makes of {@code diagnostics}: every warning becomes an error (information stays
   * information), so a probable typo rejects the configuration instead of being served around.
   */
  public static List<Diagnostic> strict(List<Diagnostic> diagnostics) {
    return diagnostics.stream()
        .map(d -> d.severity() == Severity.WARNING ? d.withSeverity(Severity.ERROR) : d)
        .toList();
  }

  /** Formats as {@code "ERROR file:line: Kind ns/name: field: message"}, leaving out empty parts. */
  @Override
  public String toString() {
    StringJoiner parts = new StringJoiner(": ", severity + " ", "");
    String location = line > 0 && !file.isEmpty() ? file + ":" + line : file;
    for (String part : new String[] {location, resource(), field, message}) {
      if (!part.isEmpty()) {
        parts.add(part);
      }
    }
    return parts.toString();
  }
}
