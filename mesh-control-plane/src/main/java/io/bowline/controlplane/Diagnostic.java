package io.bowline.controlplane;

import java.util.Objects;
import java.util.StringJoiner;

/**
 * One finding of loading or translating Istio configuration: an error that rejects the whole reload, a
 * warning about something not (yet) translated, or information about something deliberately ignored.
 *
 * <p>Bad input never surfaces as an exception: it becomes one of these, naming where it was found.
 *
 * @param severity how bad it is; only {@link Severity#ERROR} rejects a reload
 * @param file the file name relative to the configuration directory ({@code ""} when not tied to a file)
 * @param resource the Istio resource as {@code "Kind namespace/name"} ({@code ""} when not tied to one)
 * @param field the field path inside the resource, for example
 *     {@code spec.http[0].route[1].destination.subset} ({@code ""} when not tied to a field)
 * @param message a human-readable explanation
 * @param line the 1-based line of the field (or of its nearest written parent) in {@code file}; 0 when
 *     unknown
 */
public record Diagnostic(
    Severity severity, String file, String resource, String field, String message, int line) {

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
    file = file == null ? "" : file;
    resource = resource == null ? "" : resource;
    field = field == null ? "" : field;
    line = Math.max(0, line);
  }

  /** A diagnostic without a known line. */
  public Diagnostic(Severity severity, String file, String resource, String field, String message) {
    this(severity, file, resource, field, message, 0);
  }

  /** Whether this is an {@link Severity#ERROR}. */
  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** Formats as {@code "ERROR file:line: Kind ns/name: field: message"}, leaving out empty parts. */
  @Override
  public String toString() {
    StringJoiner parts = new StringJoiner(": ", severity + " ", "");
    String location = line > 0 && !file.isEmpty() ? file + ":" + line : file;
    for (String part : new String[] {location, resource, field, message}) {
      if (!part.isEmpty()) {
        parts.add(part);
      }
    }
    return parts.toString();
  }
}
