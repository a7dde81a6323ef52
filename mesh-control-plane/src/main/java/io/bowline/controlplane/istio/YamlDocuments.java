package io.bowline.controlplane.istio;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionEndEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.DocumentStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads the documents of one multi-document YAML file with SnakeYAML's safe constructor (plain maps, lists
 * and scalars only; no arbitrary types), within deliberate bounds, so that no file can exhaust the stack,
 * the heap or the CPU:
 *
 * <ul>
 *   <li>at most {@value #MAX_FILE_BYTES} bytes, strictly UTF-8 (a bad byte is reported with its offset);
 *   <li>at most {@value #MAX_ALIASES} aliases of collections per file, and no alias inside the collection it names
 *       (a recursive alias);
 *   <li>at most {@value #MAX_NESTING} levels of nesting;
 *   <li>at most {@value #MAX_EXPANDED_NODES} nodes per document once every alias is expanded (a chain of
 *       aliases that doubles at each step is refused before anything is built from it);
 *   <li>no duplicate keys in a mapping (an error, not "the last one wins"; checked here, on the node tree,
 *       with the key's position).
 * </ul>
 *
 * <p>A file that does not parse, or exceeds a bound, is reported as a whole with its line and column: it
 * yields nothing, so nothing is half-applied. Errors never quote the source text (SnakeYAML's snippet of
 * the offending line is left out: the line may hold a secret).
 */
final class YamlDocuments {

  /** The largest file read: 4 MiB (a Kubernetes object is at most 1.5 MiB in etcd). */
  static final int MAX_FILE_BYTES = 4 * 1024 * 1024;
  /** The most aliases of collections in one document (SnakeYAML's own default, set deliberately). */
  static final int MAX_ALIASES = 50;
  /** The deepest nesting of collections in one document. */
  static final int MAX_NESTING = 50;
  /** The most nodes a document may expand to, counting every alias as a copy of what it names. */
  static final int MAX_EXPANDED_NODES = 100_000;
  /** The longest problem description of SnakeYAML's that a diagnostic repeats. */
  private static final int MAX_PROBLEM_CHARS = 160;

  private YamlDocuments() {}

  /**
   * One document: its content and the {@linkplain SourceLines#position position} (line and column) of each
   * field path in it ({@code ""} is the document's first line).
   */
  record Document(Map<?, ?> content, Map<String, Long> lines) {}

  /** A document that exceeds a bound, found while checking its node graph. */
  private static final class BoundExceeded extends Exception {
    private final transient Mark mark;

    BoundExceeded(String message, Mark mark) {
      super(message, null, false, false);
      this.mark = mark;
    }
  }

  /** Exposes SnakeYAML's safe construction of one composed node tree. */
  private static final class NodeConstructor extends SafeConstructor {
    NodeConstructor(LoaderOptions options) {
      super(options);
    }

    Object construct(Node node) {
      return constructDocument(node);
    }
  }

  /** The loading bounds, set explicitly rather than relying on SnakeYAML's defaults. */
  static LoaderOptions loaderOptions() {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(MAX_ALIASES);
    options.setAllowRecursiveKeys(false);
    options.setNestingDepthLimit(MAX_NESTING);
    options.setCodePointLimit(MAX_FILE_BYTES);
    options.setAllowDuplicateKeys(false);
    options.setProcessComments(false);
    options.setWrappedToRootException(false);
    return options;
  }

  /**
   * Parses {@code path}; returns its non-empty documents as mappings, or empty after reporting an error
   * against {@code fileName} when the file cannot be read, decoded or parsed, exceeds a bound, or a document
   * is not a mapping. Never throws.
   */
  static Optional<List<Document>> read(Path path, String fileName, DiagnosticCollector diagnostics) {
    byte[] bytes;
    try {
      long size = Files.size(path);
      if (size > MAX_FILE_BYTES) {
        diagnostics.fileError(fileName, 1, 1, "file is " + size + " bytes; at most " + MAX_FILE_BYTES
            + " bytes are read");
        return Optional.empty();
      }
      bytes = Files.readAllBytes(path);
    } catch (IOException e) {
      diagnostics.fileError(fileName, "cannot read file: " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " " + e.getMessage()));
      return Optional.empty();
    }
    Optional<String> text = decode(bytes, fileName, diagnostics);
    return text.flatMap(content -> parse(content, fileName, diagnostics));
  }

  /** Decodes strict UTF-8 (a leading byte order mark is dropped); reports the first bad byte's offset. */
  private static Optional<String> decode(byte[] bytes, String fileName, DiagnosticCollector diagnostics) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      int offset = in.position();
      int line = 1;
      int lineStart = 0;
      for (int i = 0; i < offset; i++) {
        if (bytes[i] == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      diagnostics.fileError(fileName, line, offset - lineStart + 1, "not valid UTF-8: malformed byte sequence at"
          + " byte offset " + offset + " (line " + line + ")");
      return Optional.empty();
    }
    out.flip();
    String text = out.toString();
    return Optional.of(text.startsWith("\uFEFF") ? text.substring(1) : text);
  }

  private static Optional<List<Document>> parse(String text, String fileName, DiagnosticCollector diagnostics) {
    List<Document> documents = new ArrayList<>();
    LoaderOptions options = loaderOptions();
    try {
      int index = 0;
      for (Node node : new Yaml(new SafeConstructor(options)).composeAll(new StringReader(text))) {
        if (node != null) {
          checkBounds(node);
        }
        Object document = node == null ? null : new NodeConstructor(options).construct(node);
        if (document instanceof Map<?, ?> map) {
          Map<String, Long> lines = new HashMap<>();
          index(node, "", lines, Collections.newSetFromMap(new IdentityHashMap<>()));
          documents.add(new Document(map, lines));
        } else if (document != null) {
          Mark start = node.getStartMark();
          diagnostics.fileError(fileName, start.getLine() + 1, start.getColumn() + 1,
              "YAML document " + index + " is not a mapping");
          return Optional.empty();
        }
        index++;
      }
    } catch (BoundExceeded e) {
      diagnostics.fileError(fileName, e.mark.getLine() + 1, e.mark.getColumn() + 1, e.getMessage());
      return Optional.empty();
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String problem = describe(e);
      if (mark == null) {
        diagnostics.fileError(fileName, "invalid YAML: " + problem);
      } else {
        diagnostics.fileError(fileName, mark.getLine() + 1, mark.getColumn() + 1, "invalid YAML: " + problem);
      }
      return Optional.empty();
    } catch (ReaderException e) {
      long position = positionOfCodePoint(text, e.getPosition());
      diagnostics.fileError(fileName, SourceLines.line(position), SourceLines.column(position),
          "invalid YAML: the character U+" + String.format(Locale.ROOT, "%04X", e.getCodePoint())
              + " is not allowed in YAML");
      return Optional.empty();
    } catch (YAMLException e) {
      // the alias and nesting bounds are enforced without a position: find it in the event stream
      Optional<Mark> mark = locateBound(text);
      if (mark.isPresent()) {
        diagnostics.fileError(fileName, mark.get().getLine() + 1, mark.get().getColumn() + 1,
            "invalid YAML: " + shorten(e.getMessage()));
      } else {
        diagnostics.fileError(fileName, "invalid YAML: " + shorten(e.getMessage()));
      }
      return Optional.empty();
    } catch (RuntimeException | StackOverflowError e) {
      // SnakeYAML failing in a way it does not document: still this file's problem, never the reload's.
      diagnostics.fileError(fileName, "cannot be loaded as YAML: " + e.getClass().getSimpleName());
      return Optional.empty();
    }
    return Optional.of(documents);
  }

  /**
   * Where a document first uses more than {@value #MAX_ALIASES} aliases of collections or nests deeper than
   * {@value #MAX_NESTING}, found by replaying the parser's events (cheap: nothing is composed or built).
   */
  private static Optional<Mark> locateBound(String text) {
    try {
      Set<String> collectionAnchors = new HashSet<>();
      int aliases = 0;
      int depth = 0;
      for (Event event : new Yaml(new SafeConstructor(loaderOptions())).parse(new StringReader(text))) {
        if (event instanceof DocumentStartEvent) {
          // SnakeYAML counts aliases over the whole stream, anchors per document
          collectionAnchors.clear();
          depth = 0;
        } else if (event instanceof CollectionStartEvent start) {
          if (start.getAnchor() != null) {
            collectionAnchors.add(start.getAnchor());
          }
          if (++depth > MAX_NESTING) {
            return Optional.of(event.getStartMark());
          }
        } else if (event instanceof CollectionEndEvent) {
          depth--;
        } else if (event instanceof AliasEvent alias && collectionAnchors.contains(alias.getAnchor())
            && ++aliases > MAX_ALIASES) {
          return Optional.of(event.getStartMark());
        }
      }
    } catch (YAMLException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /** The line and column of the code point at {@code index} (counted in code points) of {@code text}. */
  private static long positionOfCodePoint(String text, int index) {
    int line = 1;
    int column = 1;
    int at = 0;
    for (int i = 0; i < text.length() && at < index; i += Character.charCount(text.codePointAt(i)), at++) {
      if (text.charAt(i) == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
    }
    return SourceLines.position(line, column);
  }

  /** SnakeYAML's context and problem, without the snippet of source text it normally appends. */
  private static String describe(MarkedYAMLException e) {
    String context = e.getContext() == null ? "" : e.getContext() + ": ";
    String problem = e.getProblem() == null ? "syntax error" : e.getProblem();
    return shorten(context + problem);
  }

  private static String shorten(String message) {
    String oneLine = message == null ? "" : message.replaceAll("\\s+", " ").trim();
    return oneLine.length() <= MAX_PROBLEM_CHARS ? oneLine : oneLine.substring(0, MAX_PROBLEM_CHARS) + "...";
  }

  /**
   * Refuses a recursive alias and a document that expands to more than {@value #MAX_EXPANDED_NODES} nodes,
   * looking at each distinct node once (aliases share their node with the anchor).
   */
  private static void checkBounds(Node root) throws BoundExceeded {
    expandedSize(root, new IdentityHashMap<>(), Collections.newSetFromMap(new IdentityHashMap<>()));
  }

  private static long expandedSize(Node node, Map<Node, Long> sizes, Set<Node> open) throws BoundExceeded {
    Long known = sizes.get(node);
    if (known != null) {
      return known;
    }
    if (!open.add(node)) {
      throw new BoundExceeded("recursive alias: a collection contains an alias of itself"
          + (node.getAnchor() == null ? "" : " (&" + node.getAnchor() + ")"), node.getStartMark());
    }
    long size = 1;
    if (node instanceof MappingNode mapping) {
      Set<String> keys = new HashSet<>();
      for (NodeTuple tuple : mapping.getValue()) {
        if (tuple.getKeyNode() instanceof ScalarNode key && !key.getValue().equals("<<")
            && !keys.add(key.getValue())) {
          throw new BoundExceeded("duplicate key " + ValueChecks.quote(key.getValue())
              + " in a mapping (a later key would silently replace the earlier)", key.getStartMark());
        }
        size += expandedSize(tuple.getKeyNode(), sizes, open) + expandedSize(tuple.getValueNode(), sizes, open);
        checkSize(size, node);
      }
    } else if (node instanceof SequenceNode sequence) {
      for (Node item : sequence.getValue()) {
        size += expandedSize(item, sizes, open);
        checkSize(size, node);
      }
    }
    open.remove(node);
    sizes.put(node, size);
    return size;
  }

  private static void checkSize(long size, Node node) throws BoundExceeded {
    if (size > MAX_EXPANDED_NODES) {
      throw new BoundExceeded("aliases expand this document to more than " + MAX_EXPANDED_NODES
          + " nodes", node.getStartMark());
    }
  }

  /**
   * Records the position of {@code node} under {@code path} and of everything inside it, in diagnostics'
   * syntax. Each node is entered once: under an alias only the alias's own position is known, and a field
   * below it is placed there (its nearest written parent).
   */
  private static void index(Node node, String path, Map<String, Long> lines, Set<Node> entered) {
    lines.putIfAbsent(path, position(node.getStartMark()));
    if (!entered.add(node)) {
      return;
    }
    if (node instanceof MappingNode mapping) {
      for (NodeTuple tuple : mapping.getValue()) {
        if (tuple.getKeyNode() instanceof ScalarNode key) {
          String child = path.isEmpty() ? key.getValue() : path + "." + key.getValue();
          lines.put(child, position(tuple.getKeyNode().getStartMark()));
          index(tuple.getValueNode(), child, lines, entered);
        }
      }
    } else if (node instanceof SequenceNode sequence) {
      for (int i = 0; i < sequence.getValue().size(); i++) {
        index(sequence.getValue().get(i), path + "[" + i + "]", lines, entered);
      }
    }
  }

  private static long position(Mark mark) {
    return SourceLines.position(mark.getLine() + 1, mark.getColumn() + 1);
  }
}
