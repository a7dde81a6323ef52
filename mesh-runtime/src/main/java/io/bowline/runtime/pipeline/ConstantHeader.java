package io.bowline.runtime.pipeline;

import java.util.List;

/**
 * A request header a filter sets to the same value on every call for as long as its configuration lasts (Istio's
 * {@code x-envoy-peer-metadata} and {@code x-envoy-peer-metadata-id}): its name lower-cased and checked once, as
 * Envoy keeps such names in a {@code LowerCaseString}, its value as the one-element list the edits hand on, and its
 * HTTP/1.1 field line ({@code name: value CRLF}) encoded once, so that an adapter writing bytes copies it.
 * Immutable.
 */
public final class ConstantHeader {
  private final String name;
  private final String value;
  private final List<String> values;
  private final byte[] field;

  /**
   * @param name the header name, case-insensitive
   * @param value its value
   * @throws IllegalArgumentException if filters may not edit {@code name} (empty, a pseudo-header, {@code host})
   */
  public ConstantHeader(String name, String value) {
    this.name = MeshExchange.editableName(name);
    this.value = value;
    this.values = List.of(value);
    this.field = fieldLine(this.name, value);
  }

  /** The lower-case name. */
  public String name() {
    return name;
  }

  /** The value. */
  public String value() {
    return value;
  }

  /** The value as a one-element list (the same list on every call). */
  public List<String> values() {
    return values;
  }

  /**
   * The HTTP/1.1 field line {@code name: value\r\n} in ASCII, or {@code null} when the value holds a character
   * outside visible ASCII, space and tab (the adapter encodes such a value itself). The caller must not change it.
   */
  public byte[] fieldLine() {
    return field;
  }

  private static byte[] fieldLine(String name, String value) {
    int n = name.length();
    int v = value.length();
    byte[] out = new byte[n + 2 + v + 2];
    for (int i = 0; i < n; i++) {
      char c = name.charAt(i);
      if (c <= ' ' || c >= 0x7f || c == ':') {
        return null;
      }
      out[i] = (byte) c;
    }
    out[n] = ':';
    out[n + 1] = ' ';
    for (int i = 0; i < v; i++) {
      char c = value.charAt(i);
      if ((c < ' ' && c != '\t') || c >= 0x7f) {
        return null;
      }
      out[n + 2 + i] = (byte) c;
    }
    out[n + 2 + v] = '\r';
    out[n + 3 + v] = '\n';
    return out;
  }

  @Override
  public String toString() {
    return name + ": " + value;
  }
}
