package io.bowline.runtime.inbound;

/**
 * Tells a TLS connection from a plaintext one by its first bytes, so that one port can serve both
 * (PeerAuthentication PERMISSIVE, what Envoy's {@code tls_inspector} does and gRPC cannot): a TLS connection
 * starts with a handshake record, content type 22 and protocol version 3.x ({@code 16 03 0x}); no HTTP/1.x
 * method, HTTP/2 preface or gRPC frame starts that way.
 */
public final class TlsSniffer {
  /** How many bytes {@link #classify} needs at most. */
  public static final int BYTES_NEEDED = 3;

  /** What the first bytes say. */
  public enum Result {
    /** A TLS ClientHello record. */
    TLS,
    /** Anything else: plaintext. */
    PLAINTEXT,
    /** Too few bytes yet to tell. */
    NEED_MORE
  }

  private TlsSniffer() {}

  /**
   * Classifies the first bytes of a connection.
   *
   * @param head the bytes read so far
   * @param length how many of them are valid
   * @return TLS, plaintext, or need more bytes
   */
  public static Result classify(byte[] head, int length) {
    if (length >= 1 && head[0] != 0x16) {
      return Result.PLAINTEXT;
    }
    if (length >= 2 && head[1] != 0x03) {
      return Result.PLAINTEXT;
    }
    if (length >= BYTES_NEEDED) {
      return head[2] >= 0x00 && head[2] <= 0x04 ? Result.TLS : Result.PLAINTEXT;
    }
    return Result.NEED_MORE;
  }
}
