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
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
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

  /**
   * Appends bytes as they are, copied byte by byte: a format's literal between two values, mostly one to three bytes,
   * for which a bulk copy costs more than the bytes.
   */
  public LineBuffer appendLiteral(byte[] utf8) {
    int n = utf8.length;
    if (n > 16) {
      return append(utf8);
    }
    ensure(n);
    byte[] to = bytes;
    int at = length;
    for (int i = 0; i < n; i++) {
      to[at + i] = utf8[i];
    }
    length = at + n;
    return this;
  }

  /**
   * Appends a time's text up to the second ({@code 2024-01-31T12:34:56}, ASCII) followed by {@code .}, three digits of
   * {@code millis} (0 to 999) and {@code Z}.
   */
  LineBuffer appendSecondAndMillis(byte[] secondAscii, int millis) {
    int n = secondAscii.length;
    ensure(n + 5);
    byte[] to = bytes;
    int at = length;
    System.arraycopy(secondAscii, 0, to, at, n);
    at += n;
    to[at] = '.';
    to[at + 1] = (byte) ('0' + millis / 100);
    to[at + 2] = (byte) ('0' + millis / 10 % 10);
    to[at + 3] = (byte) ('0' + millis % 10);
    to[at + 4] = 'Z';
    length = at + 5;
    return this;
  }

  /**
   * Appends a UUID's text form as {@link java.util.UUID#toString()} writes it ({@code 8-4-4-4-12} lower-case hex
   * digits) from its most and least significant 64 bits.
   */
  LineBuffer appendUuid(long mostSignificant, long leastSignificant) {
    ensure(36);
    byte[] b = bytes;
    int at = length;
    hex(b, at, mostSignificant >>> 32, 8);
    b[at + 8] = '-';
    hex(b, at + 9, mostSignificant >>> 16, 4);
    b[at + 13] = '-';
    hex(b, at + 14, mostSignificant, 4);
    b[at + 18] = '-';
    hex(b, at + 19, leastSignificant >>> 48, 4);
    b[at + 23] = '-';
    hex(b, at + 24, leastSignificant, 12);
    length = at + 36;
    return this;
  }

  /** Writes the low {@code digits} hex digits of {@code v} to {@code b[at]} onwards, the most significant first. */
  private static void hex(byte[] b, int at, long v, int digits) {
    long x = v;
    for (int i = at + digits - 1; i >= at; i--) {
      b[i] = HEX[(int) x & 0xF];
      x >>>= 4;
    }
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

  /**
   * Appends the characters {@code from} (inclusive) to {@code to} (exclusive) of {@code s} in UTF-8: ASCII a byte per
   * character, straight into the array; from the first other character on through the UTF-8 encoder.
   */
  public LineBuffer append(String s, int from, int to) {
    ensure(to - from);
    byte[] b = bytes;
    int at = length - from;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        length = at + i;
        return appendEncoded(s.substring(i, to));
      }
      b[at + i] = (byte) c;
    }
    length = at + to;
    return this;
  }

  private LineBuffer appendEncoded(String rest) {
    return append(rest.getBytes(StandardCharsets.UTF_8));
  }

  /** Appends {@code v} in decimal. */
  public LineBuffer append(int v) {
    return append((long) v); // C2 turns the division by the constant 10 into a multiplication either way
  }

  private static int digits(long v) {
    int digits = 1;
    for (long x = v; x >= 10; x /= 10) {
      digits++;
    }
    return digits;
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
    int digits = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : digits(v);
    ensure(digits);
    byte[] b = bytes;
    int end = length + digits;
    for (int i = end - 1; i >= length; i--) {
      b[i] = (byte) ('0' + v % 10);
      v /= 10;
    }
    length = end;
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
