package io.bowline.runtime.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The request header edits filters made, over the adapter's own request: per lower-case name, the
 * values that replace the request's ({@code []} for removed). Adapters apply them to the request
 * they send ({@link #forEach}).
 */
public final class HeaderEdits {
  // most exchanges edit one header (x-request-id): it is kept in fields, more go to one array of
  // name, value pairs. A value is kept as set: a String (one value), a ConstantHeader, or a List<String>
  // (several, or none: removed), so that setting one value makes no list. The array starts with room for three
  // pairs: the three B3 headers a traced call sets after its x-request-id, without growing it.
  private String firstName;
  private Object firstValue;
  private Object[] pairs;
  private int more;

  /** Where {@code lowerName} is: -1 the first slot, 0.. the pairs, -2 not edited. */
  private int indexOf(String lowerName) {
    String first = firstName;
    if (lowerName == first || lowerName.equals(first)) {
      return -1;
    }
    for (int i = 0; i < more; i++) {
      String n = (String) pairs[2 * i];
      if (n == lowerName || n.equals(lowerName)) {
        return i;
      }
    }
    return -2;
  }

  /** Whether {@code name} was edited. */
  boolean edited(String lowerName) {
    return indexOf(lowerName) != -2;
  }

  /**
   * The values an edit gives {@code lowerName} ({@code []}: removed), or {@code null} when it was not edited.
   *
   * @param lowerName the header name in lower case
   */
  public List<String> values(String lowerName) {
    int i = indexOf(lowerName);
    return i == -2 ? null : list(i == -1 ? firstValue : pairs[2 * i + 1]);
  }

  @SuppressWarnings("unchecked") // a value is a String, a ConstantHeader or a List<String>
  private static List<String> list(Object v) {
    return v instanceof String s ? List.of(s) : v instanceof ConstantHeader c ? c.values() : (List<String>) v;
  }

  void set(String name, List<String> v) {
    put(name.toLowerCase(Locale.ROOT), List.copyOf(v));
  }

  /** Sets the values of a header whose name is lower case already. */
  void setLowerCase(String lowerName, List<String> v) {
    put(lowerName, List.copyOf(v));
  }

  /** Sets one value of a header whose name is lower case already (no copy, no list). */
  void setLowerCase(String lowerName, String value) {
    put(lowerName, Objects.requireNonNull(value, "value"));
  }

  /** Sets a constant header: its name is lower case and its value and field line are made once. */
  void set(ConstantHeader header) {
    put(header.name(), header);
  }

  private void put(String lower, Object value) {
    if (firstName == null) {
      firstName = lower;
      firstValue = value;
      return;
    }
    int i = indexOf(lower);
    if (i == -1) {
      firstValue = value;
    } else if (i >= 0) {
      pairs[2 * i + 1] = value;
    } else {
      if (pairs == null || 2 * more == pairs.length) {
        pairs = pairs == null ? new Object[6] : Arrays.copyOf(pairs, 2 * pairs.length);
      }
      pairs[2 * more] = lower;
      pairs[2 * more + 1] = value;
      more++;
    }
  }

  /** Whether nothing was edited. */
  public boolean isEmpty() {
    return firstName == null;
  }

  /** How many headers were edited. */
  public int size() {
    return firstName == null ? 0 : 1 + more;
  }

  /**
   * The lower-case name of the {@code i}th header edited, in the order the headers were first edited.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= i < size()}
   */
  public String name(int i) {
    if (i < 0 || i >= size()) {
      throw new IndexOutOfBoundsException(i);
    }
    return i == 0 ? firstName : (String) pairs[2 * (i - 1)];
  }

  /**
   * Receives each edited header: its lower-case name and the values it now has (empty: removed). A sink that writes
   * bytes may take a single value and a {@link ConstantHeader} as they were set ({@link #replace(String, String)},
   * {@link #replace(ConstantHeader)}); by default they come as lists.
   */
  @FunctionalInterface
  public interface Sink {
    /**
     * @param lowerName the header's lower-case name
     * @param values the values it now has (empty: removed)
     */
    void replace(String lowerName, List<String> values);

    /**
     * The header has one value now.
     *
     * @param lowerName the header's lower-case name
     * @param value its one value
     */
    default void replace(String lowerName, String value) {
      replace(lowerName, List.of(value));
    }

    /**
     * The header is a constant one: its name, value and field line made once.
     *
     * @param header the header
     */
    default void replace(ConstantHeader header) {
      replace(header.name(), header.values());
    }
  }

  /** Hands every edit to {@code sink}, in the order the headers were first edited. */
  public void forEach(Sink sink) {
    if (firstName == null) {
      return;
    }
    hand(sink, firstName, firstValue);
    for (int i = 0; i < more; i++) {
      hand(sink, (String) pairs[2 * i], pairs[2 * i + 1]);
    }
  }

  @SuppressWarnings("unchecked") // a value is a String, a ConstantHeader or a List<String>
  private static void hand(Sink sink, String name, Object value) {
    if (value instanceof String s) {
      sink.replace(name, s);
    } else if (value instanceof ConstantHeader c) {
      sink.replace(c);
    } else {
      sink.replace(name, (List<String>) value);
    }
  }

  static List<String> plus(List<String> values, String value) {
    List<String> out = new ArrayList<>(values.size() + 1);
    out.addAll(values);
    out.add(value);
    return out;
  }
}
