package io.bowline.runtime.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The request header edits filters made, over the adapter's own request: per lower-case name, the
 * values that replace the request's ({@code []} for removed). Adapters apply them to the request
 * they send ({@link #forEach}).
 */
public final class HeaderEdits {
  // most exchanges edit one header (x-request-id): it is kept in fields, more go to the arrays
  private String firstName;
  private List<String> firstValues;
  private String[] names;
  private List<String>[] values;
  private int more;

  /** Where {@code lowerName} is: -1 the first slot, 0.. the arrays, -2 not edited. */
  private int indexOf(String lowerName) {
    if (lowerName.equals(firstName)) {
      return -1;
    }
    for (int i = 0; i < more; i++) {
      if (names[i].equals(lowerName)) {
        return i;
      }
    }
    return -2;
  }

  /** Whether {@code name} was edited. */
  boolean edited(String lowerName) {
    return indexOf(lowerName) != -2;
  }

  List<String> values(String lowerName) {
    int i = indexOf(lowerName);
    return i == -1 ? firstValues : i >= 0 ? values[i] : null;
  }

  @SuppressWarnings("unchecked") // an array of List<String>
  void set(String name, List<String> v) {
    String lower = name.toLowerCase(Locale.ROOT);
    List<String> copy = List.copyOf(v);
    if (firstName == null) {
      firstName = lower;
      firstValues = copy;
      return;
    }
    int i = indexOf(lower);
    if (i == -1) {
      firstValues = copy;
    } else if (i >= 0) {
      values[i] = copy;
    } else {
      if (names == null || more == names.length) {
        int n = names == null ? 4 : 2 * names.length;
        names = names == null ? new String[n] : Arrays.copyOf(names, n);
        values = values == null ? (List<String>[]) new List<?>[n] : Arrays.copyOf(values, n);
      }
      names[more] = lower;
      values[more] = copy;
      more++;
    }
  }

  /** Whether nothing was edited. */
  public boolean isEmpty() {
    return firstName == null;
  }

  /** Receives each edited header: its lower-case name and the values it now has (empty: removed). */
  @FunctionalInterface
  public interface Sink {
    void replace(String lowerName, List<String> values);
  }

  /** Hands every edit to {@code sink}, in the order the headers were first edited. */
  public void forEach(Sink sink) {
    if (firstName == null) {
      return;
    }
    sink.replace(firstName, firstValues);
    for (int i = 0; i < more; i++) {
      sink.replace(names[i], values[i]);
    }
  }

  static List<String> plus(List<String> values, String value) {
    List<String> out = new ArrayList<>(values.size() + 1);
    out.addAll(values);
    out.add(value);
    return out;
  }
}
