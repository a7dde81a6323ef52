package io.bowline.controlplane.istio;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads the documents of one multi-document YAML file with SnakeYAML's safe constructor (plain maps, lists
 * and scalars only; no arbitrary types). A file that does not parse is reported as a whole: it yields
 * nothing, so nothing is half-applied.
 */
final class YamlDocuments {

  private YamlDocuments() {}

  /**
   * One document: its content and the 1-based line of each field path in it ({@code ""} is the document's
   * first line).
   */
  record Document(Map<?, ?> content, Map<String, Integer> lines) {}

  /** Exposes SnakeYAML's safe construction of one composed node tree. */
  private static final class NodeConstructor extends SafeConstructor {
    NodeConstructor() {
      super(new LoaderOptions());
    }

    Object construct(Node node) {
      return constructDocument(node);
    }
  }

  /**
   * Parses {@code path}; returns its non-empty documents as mappings, or empty after reporting an error
   * against {@code fileName} when the file cannot be read or parsed, or a document is not a mapping.
   */
  static Optional<List<Document>> read(Path path, String fileName, DiagnosticCollector diagnostics) {
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      diagnostics.fileError(fileName, "cannot read file: " + e);
      return Optional.empty();
    }
    List<Document> documents = new ArrayList<>();
    try {
      int index = 0;
      for (Node node : new Yaml(new SafeConstructor(new LoaderOptions())).composeAll(new StringReader(text))) {
        Object document = node == null ? null : new NodeConstructor().construct(node);
        if (document instanceof Map<?, ?> map) {
          Map<String, Integer> lines = new HashMap<>();
          index(node, "", lines);
          documents.add(new Document(map, lines));
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

  /** Records the line of {@code node} under {@code path} and of everything inside it, in diagnostics' syntax. */
  private static void index(Node node, String path, Map<String, Integer> lines) {
    lines.putIfAbsent(path, node.getStartMark().getLine() + 1);
    if (node instanceof MappingNode mapping) {
      for (NodeTuple tuple : mapping.getValue()) {
        if (tuple.getKeyNode() instanceof ScalarNode key) {
          String child = path.isEmpty() ? key.getValue() : path + "." + key.getValue();
          lines.put(child, tuple.getKeyNode().getStartMark().getLine() + 1);
          index(tuple.getValueNode(), child, lines);
        }
      }
    } else if (node instanceof SequenceNode sequence) {
      for (int i = 0; i < sequence.getValue().size(); i++) {
        index(sequence.getValue().get(i), path + "[" + i + "]", lines);
      }
    }
  }
}
