package io.bowline.proxy.outbound;

import java.nio.charset.StandardCharsets;

/** {@code grpc-message} values: percent-encoded UTF-8 as gRPC over HTTP/2 specifies (PROTOCOL-HTTP2.md). */
final class GrpcMessages {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private GrpcMessages() {}

  /** {@code text} with every byte outside printable ASCII, and {@code %}, written as {@code %XX}. */
  static String percentEncode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    StringBuilder b = new StringBuilder(bytes.length);
    for (byte x : bytes) {
      int c = x & 0xff;
      if (c >= 0x20 && c <= 0x7e && c != '%') {
        b.append((char) c);
      } else {
        b.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    return b.toString();
  }
}
