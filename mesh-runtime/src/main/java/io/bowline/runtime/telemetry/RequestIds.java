package io.bowline.runtime.telemetry;

import java.util.concurrent.ThreadLocalRandom;

/** Envoy's {@code x-request-id}: a random (version 4, RFC 4122 variant) UUID in its text form. */
final class RequestIds {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private RequestIds() {}

  /**
   * A new UUIDv4, e.g. {@code 3f1c0a52-8d7e-4b1a-9c3e-2a4f6b8d0e1f}: one concatenation of 32
   * hex digits, which the JDK's string concatenation builds into one byte array that becomes the
   * string (no intermediate array, no {@code UUID}).
   */
  static String uuid4() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = (r.nextLong() & ~0xF000L) | 0x4000L; // version 4
    long lo = (r.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48); // variant 10
    return "" + h(hi, 60) + h(hi, 56) + h(hi, 52) + h(hi, 48) + h(hi, 44) + h(hi, 40) + h(hi, 36) + h(hi, 32)
        + '-' + h(hi, 28) + h(hi, 24) + h(hi, 20) + h(hi, 16)
        + '-' + h(hi, 12) + h(hi, 8) + h(hi, 4) + h(hi, 0)
        + '-' + h(lo, 60) + h(lo, 56) + h(lo, 52) + h(lo, 48)
        + '-' + h(lo, 44) + h(lo, 40) + h(lo, 36) + h(lo, 32) + h(lo, 28) + h(lo, 24) + h(lo, 20) + h(lo, 16)
        + h(lo, 12) + h(lo, 8) + h(lo, 4) + h(lo, 0);
  }

  /** The hex digit of {@code v}'s nibble at bit {@code shift}. */
  private static char h(long v, int shift) {
    return HEX[(int) (v >>> shift) & 0xF];
  }
}
