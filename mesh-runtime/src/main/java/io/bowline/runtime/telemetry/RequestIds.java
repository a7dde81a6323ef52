package io.bowline.runtime.telemetry;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's {@code x-request-id}: a random (version 4, RFC 4122 variant) UUID in its text form. The mesh keeps the two
 * halves it made the text of, so that the access log's queue can hold them instead of the string.
 */
final class RequestIds {
  private RequestIds() {}

  /**
   * A new UUIDv4, e.g. {@code 3f1c0a52-8d7e-4b1a-9c3e-2a4f6b8d0e1f}, from {@link ThreadLocalRandom}: a request id
   * correlates logs and traces, it is no secret, so no {@code SecureRandom} per call.
   */
  static String uuid4() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return text(high(r), low(r));
  }

  /** A random UUIDv4's most significant 64 bits: the version nibble is 4. */
  static long high(ThreadLocalRandom r) {
    return (r.nextLong() & ~0xF000L) | 0x4000L;
  }

  /** A random UUIDv4's least significant 64 bits: the variant bits are {@code 10}. */
  static long low(ThreadLocalRandom r) {
    return (r.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48);
  }

  /**
   * The UUID's text form. The JDK writes the text straight into the string's bytes (80 B in all: the {@code UUID}
   * does not escape), as fast as a 36-piece string concatenation once compiled and faster before.
   */
  static String text(long high, long low) {
    return new UUID(high, low).toString();
  }
}
