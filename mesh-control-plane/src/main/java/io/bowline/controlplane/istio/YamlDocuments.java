package io.bowline.controlplane.istio;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads the documents of one multi-document YAML file with SnakeYAML's safe constructor (plain maps, lists
 * and scalars only; no arbitrary types). A file that does not parse is reported as a whole: it yields
 * nothing, so nothing is half-applied.
 */
final class YamlDocuments {

  private YamlDocuments() {}

  /**
   * Parses {@code path}; returns its non-empty documents as mappings, or empty after reporting an error
   * against {@code fileName} when the file cannot be read or parsed, or a document is not a mapping.
   */
  static Optional<List<Map<?, ?>>> read(Path path, String fileName, DiagnosticCollector diagnostics) {
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      diagnostics.fileError(fileName, "cannot read file: " + e);
      return Optional.empty();
    }
    List<Map<?, ?>> documents = new ArrayList<>();
    try {
      int index = 0;
      for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(text)) {
        if (document instanceof Map<?, ?> map) {
          documents.add(map);
        } else if (document != null) {
          diagnostics.fileError(fileName, "YAML document " + index + " is not a mapping");
          return Optional.empty();
        }
        index++;
      }
    } catch (YAMLException e) {
      diagnostics.fileError(fileName, "invalid YAML: " + e.getMessage().replaceAll("\\s+", " ").trim());
      return Optional.empty();
    }
    return Optional.of(documents);
  }
}
