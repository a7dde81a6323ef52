package io.bowline.runtime.telemetry.format;

import java.nio.charset.StandardCharsets;

/**
 * One operator's last repeated value and its UTF-8 bytes: most of a line's values (method, path, authority, user
 * agent, protocol, upstream host, cluster, route) are the same from one call to the next, so a line copies their bytes
 * instead of encoding them again.
 * A value is kept once it came twice in a row, so a value that changes with every call (a request id) costs a
 * comparison and no allocation. Threads that print with the same format share it without a lock: its fields are
 * replaced whole, and a lost update only costs an encoding.
 */
final class RepeatedText {
  private record Encoded(String text, byte[] utf8) {}

  private Encoded kept = new Encoded("", new byte[0]);
  private String last;

  /**
   * The value kept when it equals {@code v}, else {@code v}: a call's thread captures the kept instance, so that the
   * print finds it by identity and reads no string the call made (which sits in the calling core's cache, not in the
   * printing core's).
   */
  String same(String v) {
    String k = kept.text();
    return v != k && v.equals(k) ? k : v;
  }

  /** Prints {@code v} into {@code b} as UTF-8. */
  void print(LineBuffer b, String v) {
    Encoded k = kept;
    if (v == k.text() || v.equals(k.text())) {
      b.appendLiteral(k.utf8());
      return;
    }
    b.append(v);
    if (v.equals(last)) {
      kept = new Encoded(v, v.getBytes(StandardCharsets.UTF_8));
    }
    last = v;
  }
}
