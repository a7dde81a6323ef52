package io.bowline.runtime.telemetry.format;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable buffer of UTF-8 bytes that access-log lines are printed into: text and numbers go straight to bytes,
 * without a {@code String} per value or per line. A file access log keeps one and reuses it for every flush; it is
 * not thread-safe.
 */
public final class LineBuffer {
  private byte[] bytes;
  private int length;

  /** @param capacity the initial capacity in bytes */
  public LineBuffer(int capacity) {
    bytes = new byte[Math.max(16, capacity)];
  }

  /** The bytes written since the last {@link #clear}. */
  public int length() {
    return length;
  }

  /** Forgets the bytes written; keeps the array unless it grew past {@code maxCapacity} bytes. */
  public void clear(int maxCapacity) {
    length = 0;
    if (bytes.length > maxCapacity) {
      bytes = new byte[maxCapacity];
    }
  }

  /** Writes the buffer's bytes to {@code out} in one call. */
  public void writeTo(OutputStream out) throws IOException {
    out.write(bytes, 0, length);
  }

  /** Appends one ASCII character. */
  public LineBuffer append(char ascii) {
    ensure(1);
    bytes[length++] = (byte) ascii;
    return this;
  }

  /** Appends bytes as they are (a literal encoded once). */
  public LineBuffer append(byte[] utf8) {
    ensure(utf8.length);
    System.arraycopy(utf8, 0, bytes, length, utf8.length);
    length += utf8.length;
    return this;
  }

  /** Appends the bytes written to {@code other}. */
  public LineBuffer append(LineBuffer other) {
    ensure(other.length);
    System.arraycopy(other.bytes, 0, bytes, length, other.length);
    length += other.length;
    return this;
  }

  /** Appends {@code s} in UTF-8. */
  public LineBuffer append(String s) {
    return append(s, 0, s.length());
  }

  /** Appends the characters {@code from} (inclusive) to {@code to} (exclusive) of {@code s} in UTF-8. */
  public LineBuffer append(String s, int from, int to) {
    ensure(to - from);
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        return appendEncoded(s.substring(i, to));
      }
      bytes[length++] = (byte) c;
    }
    return this;
  }

  private LineBuffer appendEncoded(String rest) {
    return append(rest.getBytes(StandardCharsets.UTF_8));
  }

  /** Appends {@code v} in decimal. */
  public LineBuffer append(long v) {
    if (v < 0) {
      if (v == Long.MIN_VALUE) {
        return append(Long.toString(v));
      }
      append('-');
      v = -v;
    }
    int digits = 1;
    for (long x = v; x >= 10; x /= 10) {
      digits++;
    }
    ensure(digits);
    for (int i = length + digits - 1; i >= length; i--) {
      bytes[i] = (byte) ('0' + v % 10);
      v /= 10;
    }
    length += digits;
    return this;
  }

  private void ensure(int more) {
    if (length + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
    }
  }

  /** The bytes written, decoded. */
  @Override
  public String toString() {
    return new String(bytes, 0, length, StandardCharsets.UTF_8);
  }
}
