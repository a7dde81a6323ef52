package io.bowline.runtime.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The request header edits filters made, over the adapter's own request: per lower-case name, the
 * values that replace the request's ({@code []} for removed). Adapters apply them to the request
 * they send ({@link #forEach}).
 */
public final class HeaderEdits {
  private final Map<String, List<String>> replaced = new LinkedHashMap<>(4);

  /** Whether {@code name} was edited. */
  boolean edited(String lowerName) {
    return replaced.containsKey(lowerName);
  }

  List<String> values(String lowerName) {
    return replaced.get(lowerName);
  }

  void set(String name, List<String> values) {
    replaced.put(name.toLowerCase(Locale.ROOT), List.copyOf(values));
  }

  /** Whether nothing was edited. */
  public boolean isEmpty() {
    return replaced.isEmpty();
  }

  /** Receives each edited header: its lower-case name and the values it now has (empty: removed). */
  @FunctionalInterface
  public interface Sink {
    void replace(String lowerName, List<String> values);
  }

  /** Hands every edit to {@code sink}, in the order the headers were first edited. */
  public void forEach(Sink sink) {
    replaced.forEach(sink::replace);
  }

  static List<String> plus(List<String> values, String value) {
    List<String> out = new ArrayList<>(values.size() + 1);
    out.addAll(values);
    out.add(value);
    return out;
  }
}
