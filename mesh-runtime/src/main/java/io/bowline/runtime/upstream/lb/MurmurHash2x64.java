package io.bowline.runtime.upstream.lb;

import java.nio.charset.StandardCharsets;

/**
 * Envoy's {@code MURMUR_HASH_2} for {@code RING_HASH} ({@code ring_hash_lb_config.hash_function}):
 * the 64-bit MurmurHash2 variant of libstdc++'s {@code std::hash<std::string>} on 64-bit platforms
 * (Envoy's {@code MurmurHash::murmurHash2}), over UTF-8 bytes, little-endian 8-byte words, seed
 * {@value #STD_HASH_SEED} for ring entries. Pinned against {@code std::hash} vectors.
 */
public final class MurmurHash2x64 {
  /** The seed Envoy uses for ring entries ({@code MurmurHash::STD_HASH_SEED}). */
  public static final long STD_HASH_SEED = 0xc70f6907L;
  private static final long MUL = 0xc6a4a7935bd1e995L;

  private MurmurHash2x64() {}

  /** The hash of the UTF-8 bytes of {@code s} with {@link #STD_HASH_SEED}. */
  public static long hash(String s) {
    return hash(s.getBytes(StandardCharsets.UTF_8), STD_HASH_SEED);
  }

  /** The hash of {@code data} with {@code seed}. */
  public static long hash(byte[] data, long seed) {
    int len = data.length;
    int aligned = len & ~7;
    long h = seed ^ (len * MUL);
    for (int i = 0; i < aligned; i += 8) {
      h ^= shiftMix(littleEndian(data, i, 8) * MUL) * MUL;
      h *= MUL;
    }
    if ((len & 7) != 0) {
      h ^= littleEndian(data, aligned, len & 7);
      h *= MUL;
    }
    h = shiftMix(h) * MUL;
    return shiftMix(h);
  }

  private static long littleEndian(byte[] b, int from, int n) {
    long v = 0;
    for (int i = n - 1; i >= 0; i--) {
      v = (v << 8) | (b[from + i] & 0xFFL);
    }
    return v;
  }

  private static long shiftMix(long v) {
    return v ^ (v >>> 47);
  }
}
