package io.bowline.controlplane.cli;

import com.google.gson.GsonBuilder;
import io.bowline.controlplane.Diagnostic;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Prints diagnostics one per line ({@code text}), or as one JSON or YAML document ({@code json},
 * {@code yaml}) of the shape docs/analyze-output.schema.json describes, and summarises them.
 */
final class DiagnosticPrinter {

  /** The output formats of {@code analyze -o}. */
  enum Format {
    /** One diagnostic per line, as {@link Diagnostic#toString()} formats it. */
    TEXT,
    /** One JSON object: {@code diagnostics} and {@code summary}. */
    JSON,
    /** The same object as YAML. */
    YAML
  }

  private DiagnosticPrinter() {}

  static void print(PrintWriter out, List<Diagnostic> diagnostics) {
    diagnostics.forEach(out::println);
    out.flush();
  }

  /** Prints {@code diagnostics} of {@code files} configuration files in {@code format}. */
  static void print(PrintWriter out, Format format, List<Diagnostic> diagnostics, int files) {
    switch (format) {
      case TEXT -> print(out, diagnostics);
      case JSON -> {
        out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create()
            .toJson(document(diagnostics, files)));
        out.flush();
      }
      case YAML -> {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setSplitLines(false);
        out.print(new Yaml(options).dump(document(diagnostics, files)));
        out.flush();
      }
      default -> throw new IllegalArgumentException("unknown format " + format);
    }
  }

  /** The machine-readable document: {@code {diagnostics: [...], summary: {...}}}. */
  static Map<String, Object> document(List<Diagnostic> diagnostics, int files) {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("diagnostics", diagnostics.stream().map(DiagnosticPrinter::fields).toList());
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("files", files);
    summary.put("errors", count(diagnostics, Diagnostic.Severity.ERROR));
    summary.put("warnings", count(diagnostics, Diagnostic.Severity.WARNING));
    summary.put("info", count(diagnostics, Diagnostic.Severity.INFO));
    document.put("summary", summary);
    return document;
  }

  private static Map<String, Object> fields(Diagnostic d) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("severity", d.severity().name());
    fields.put("code", d.code());
    fields.put("file", d.file());
    fields.put("line", d.line());
    fields.put("column", d.column());
    fields.put("kind", d.kind());
    fields.put("namespace", d.namespace());
    fields.put("name", d.name());
    fields.put("field", d.field());
    fields.put("message", d.message());
    return fields;
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
