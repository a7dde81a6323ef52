package io.bowline.controlplane.istio;

import io.bowline.controlplane.DiagnosticCode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Typed, path-aware access to one YAML mapping of an Istio resource. A value of the wrong type is reported
 * as an error naming its field path (for example {@code spec.http[0].match[1].uri}) and read as absent, so
 * parsers never throw on bad input.
 */
final class SpecReader {

  private final Map<?, ?> map;
  private final String path;
  private final ResourceRef ref;
  private final DiagnosticCollector diagnostics;

  SpecReader(Map<?, ?> map, String path, ResourceRef ref, DiagnosticCollector diagnostics) {
    this.map = map;
    this.path = path;
    this.ref = ref;
    this.diagnostics = diagnostics;
  }

  /** The field path of this mapping, for example {@code spec.http[0]}. */
  String path() {
    return path;
  }

  /** The field path of {@code key} inside this mapping. */
  String field(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  ResourceRef ref() {
    return ref;
  }

  /** The mapping as read (YAML scalars, lists and mappings), for values passed on as JSON. */
  Map<?, ?> raw() {
    return map;
  }

  DiagnosticCollector diagnostics() {
    return diagnostics;
  }

  boolean has(String key) {
    return map.get(key) != null;
  }

  /** A scalar as text (numbers and booleans are converted); absent, or an error if not a scalar. */
  Optional<String> string(String key) {
    Object value = map.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (value instanceof Map || value instanceof List) {
      error(key, "expected a string");
      return Optional.empty();
    }
    return Optional.of(value.toString());
  }

  /** Like {@link #string} but a missing or empty value is an error. */
  Optional<String> requiredString(String key) {
    if (map.get(key) == null) {
      error(key, "missing required field");
      return Optional.empty();
    }
    Optional<String> value = string(key);
    if (value.isPresent() && value.get().isBlank()) {
      error(key, "must not be empty");
      return Optional.empty();
    }
    return value;
  }

  /** A non-negative integer; absent, or an error if not one. */
  OptionalInt integer(String key) {
    Object value = map.get(key);
    if (value == null) {
      return OptionalInt.empty();
    }
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= 0
        && ((Number) value).longValue() <= Integer.MAX_VALUE) {
      return OptionalInt.of(((Number) value).intValue());
    }
    if (value instanceof String text && text.matches("[0-9]{1,9}")) {
      return OptionalInt.of(Integer.parseInt(text));
    }
    error(key, "expected a non-negative integer, got '" + ValueChecks.shorten(String.valueOf(value)) + "'");
    return OptionalInt.empty();
  }

  /** A TCP port number 1..65535; absent, or an error if out of range. */
  OptionalInt port(String key) {
    OptionalInt value = integer(key);
    if (value.isPresent() && (value.getAsInt() < 1 || value.getAsInt() > 65535)) {
      error(key, "port " + value.getAsInt() + " is out of range 1..65535");
      return OptionalInt.empty();
    }
    return value;
  }

  /** A boolean; absent, or an error if not one. */
  Optional<Boolean> bool(String key) {
    Object value = map.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (value instanceof Boolean b) {
      return Optional.of(b);
    }
    error(key, "expected true or false, got '" + ValueChecks.shorten(String.valueOf(value)) + "'");
    return Optional.empty();
  }

  /** A nested mapping; absent, or an error if not a mapping. */
  Optional<SpecReader> object(String key) {
    Object value = map.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (value instanceof Map<?, ?> nested) {
      return Optional.of(new SpecReader(nested, field(key), ref, diagnostics));
    }
    error(key, "expected a mapping");
    return Optional.empty();
  }

  /**
   * A nested mapping under a key compared as text (YAML reads {@code 80:} as a number), absent, or an error if
   * not a mapping.
   */
  Optional<SpecReader> objectAt(String key) {
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      if (String.valueOf(entry.getKey()).equals(key)) {
        if (entry.getValue() instanceof Map<?, ?> nested) {
          return Optional.of(new SpecReader(nested, field(key), ref, diagnostics));
        }
        error(key, "expected a mapping");
      }
    }
    return Optional.empty();
  }

  /** A list of mappings, each with its indexed path ({@code key[i]}); entries that are not mappings are errors. */
  List<SpecReader> objects(String key) {
    List<SpecReader> result = new ArrayList<>();
    List<?> list = list(key);
    for (int i = 0; i < list.size(); i++) {
      String itemPath = field(key) + "[" + i + "]";
      if (list.get(i) instanceof Map<?, ?> item) {
        result.add(new SpecReader(item, itemPath, ref, diagnostics));
      } else {
        diagnostics.error(ref, itemPath, "expected a mapping");
      }
    }
    return result;
  }

  /** A list of scalars as text; entries that are not scalars are errors. */
  List<String> strings(String key) {
    List<String> result = new ArrayList<>();
    List<?> list = list(key);
    for (int i = 0; i < list.size(); i++) {
      Object item = list.get(i);
      if (item == null || item instanceof Map || item instanceof List) {
        diagnostics.error(ref, field(key) + "[" + i + "]", "expected a string");
      } else {
        result.add(item.toString());
      }
    }
    return result;
  }

  /** A mapping of text to text (for example labels), in document order. */
  Map<String, String> stringMap(String key) {
    Map<String, String> result = new LinkedHashMap<>();
    object(key).ifPresent(nested -> {
      for (Map.Entry<?, ?> entry : nested.map.entrySet()) {
        nested.string(String.valueOf(entry.getKey()))
            .ifPresent(value -> result.put(String.valueOf(entry.getKey()), value));
      }
    });
    return result;
  }

  /** A mapping of text to port numbers (for example {@code WorkloadEntry.ports}), in document order. */
  Map<String, Integer> portMap(String key) {
    Map<String, Integer> result = new LinkedHashMap<>();
    object(key).ifPresent(nested -> {
      for (Object name : nested.map.keySet()) {
        nested.port(String.valueOf(name)).ifPresent(port -> result.put(String.valueOf(name), port));
      }
    });
    return result;
  }

  /** The keys of this mapping, in document order. */
  List<String> keys() {
    List<String> keys = new ArrayList<>();
    for (Object key : map.keySet()) {
      keys.add(String.valueOf(key));
    }
    return keys;
  }

  /**
   * Reports every present key that this translator does not handle: keys in {@code ignored} as information
   * (they have no meaning for a local control plane), all others as "not translated yet" warnings.
   */
  void reportUnhandled(Set<String> handled, Set<String> ignored) {
    for (String key : keys()) {
      if (handled.contains(key) || map.get(key) == null) {
        continue;
      }
      if (ignored.contains(key)) {
        diagnostics.info(DiagnosticCode.IGNORED, ref, field(key),
            key + " has no effect on the local control plane; ignored");
      } else {
        diagnostics.warning(DiagnosticCode.NOT_TRANSLATED, ref, field(key),
            key + " is not translated yet; ignored");
      }
    }
  }

  void warning(DiagnosticCode code, String key, String message) {
    diagnostics.warning(code, ref, field(key), message);
  }

  void info(DiagnosticCode code, String key, String message) {
    diagnostics.info(code, ref, field(key), message);
  }

  void error(DiagnosticCode code, String key, String message) {
    diagnostics.error(code, ref, field(key), message);
  }

  void error(String key, String message) {
    diagnostics.error(ref, field(key), message);
  }

  void warning(String key, String message) {
    diagnostics.warning(ref, field(key), message);
  }

  void info(String key, String message) {
    diagnostics.info(ref, field(key), message);
  }

  /** The raw entries of a list (empty when absent; an error when not a list), for checks of their types. */
  List<?> values(String key) {
    return list(key);
  }

  private List<?> list(String key) {
    Object value = map.get(key);
    if (value == null) {
      return List.of();
    }
    if (value instanceof List<?> list) {
      return list;
    }
    error(key, "expected a list");
    return List.of();
  }
}
