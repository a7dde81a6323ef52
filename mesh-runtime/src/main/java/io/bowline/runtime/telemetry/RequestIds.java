package io.bowline.runtime.telemetry;

import java.util.concurrent.ThreadLocalRandom;

/** Envoy's {@code x-request-id}: a random (version 4, RFC 4122 variant) UUID in its text form. */
final class RequestIds {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private RequestIds() {}

  /** A new UUIDv4, e.g. {@code 3f1c0a52-8d7e-4b1a-9c3e-2a4f6b8d0e1f}. */
  static String uuid4() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = (r.nextLong() & ~0xF000L) | 0x4000L; // version 4
    long lo = (r.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48); // variant 10
    byte[] b = new byte[36];
    hex(hi >>> 32, 8, b, 0);
    b[8] = '-';
    hex(hi >>> 16, 4, b, 9);
    b[13] = '-';
    hex(hi, 4, b, 14);
    b[18] = '-';
    hex(lo >>> 48, 4, b, 19);
    b[23] = '-';
    hex(lo, 12, b, 24);
    return new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  private static void hex(long v, int digits, byte[] out, int at) {
    for (int i = digits - 1; i >= 0; i--) {
      out[at + i] = (byte) HEX[(int) (v & 0xF)];
      v >>>= 4;
    }
  }
}
