package io.bowline.proxy.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * HTTP/1.1 written as bytes (RFC 9112): header lines and message bodies, the latter as the
 * received buffers, framed as chunks ({@code size CRLF data CRLF}, ended by {@code 0 CRLF
 * trailers CRLF}) when the message is chunked.
 */
public final class Http1Bytes {
  /** CR LF as one big-endian short, for {@link ByteBuf#writeShort}. */
  public static final int CRLF = ('\r' << 8) | '\n';

  /** {@code " HTTP/1.1" CRLF}, the end of a request line. */
  public static final byte[] HTTP_1_1_CRLF = {' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r', '\n'};

  /** Values shorter than this are written char by char; longer ones may come from {@link Recent}. */
  static final int ENCODED_MIN_LENGTH = 48;

  /** Per thread (each event loop its own, so no locking): the long values written lately, and their bytes. */
  private static final FastThreadLocal<Recent> RECENT = new FastThreadLocal<>() {
    @Override
    protected Recent initialValue() {
      return new Recent();
    }
  };

  private Http1Bytes() {}

  /** Writes {@code name: value CRLF} with {@code value} in decimal (no string made). */
  public static void decimalField(ByteBuf out, CharSequence name, long value) {
    ByteBufUtil.writeAscii(out, name);
    out.writeByte(':').writeByte(' ');
    if (value == 0) {
      out.writeByte('0');
    } else {
      long p = 1;
      while (p <= value / 10) {
        p *= 10;
      }
      for (; p > 0; p /= 10) {
        out.writeByte((int) ('0' + value / p % 10));
      }
    }
    out.writeShort(CRLF);
  }

  /** Writes {@code name: value CRLF} (both ASCII or ISO-8859-1). */
  public static void field(ByteBuf out, CharSequence name, CharSequence value) {
    ByteBufUtil.writeAscii(out, name);
    out.writeByte(':').writeByte(' ');
    ByteBufUtil.writeAscii(out, value);
    out.writeShort(CRLF);
  }

  /**
   * {@link #field} for a value a filter set, which is often the same {@code String} instance request after
   * request (a per-workload header, such as {@code x-envoy-peer-metadata}): a long value this thread wrote
   * before is copied from the bytes encoded the second time it was seen, rather than char by char (a char
   * above 255 is written as {@code ?}, as {@link #field} writes it).
   */
  public static void editedField(ByteBuf out, String name, String value) {
    if (value.length() < ENCODED_MIN_LENGTH) {
      field(out, name, value);
      return;
    }
    ByteBufUtil.writeAscii(out, name);
    out.writeByte(':').writeByte(' ');
    RECENT.get().write(out, value);
    out.writeShort(CRLF);
  }

  /**
   * One thread's long header values seen lately, by identity: a value seen once is only remembered (a
   * per-request value, such as a trace context, costs no bytes array); seen again, its bytes are encoded once
   * and copied from then on. Two ways per set of slots, the least recently used one replaced: the two long
   * values a workload adds to every request (the peer metadata filter's) stay encoded even when their identity
   * hashes pick the same set, instead of taking turns at it and each being written char by char.
   */
  private static final class Recent {
    private static final int SETS = 8;
    private final String[] seen = new String[2 * SETS];
    private final byte[][] bytes = new byte[2 * SETS][];
    /** Per set, the way (0 or 1) used last. */
    private final byte[] last = new byte[SETS];

    void write(ByteBuf out, String value) {
      int set = System.identityHashCode(value) & (SETS - 1);
      int slot = 2 * set;
      if (seen[slot] != value) {
        slot++;
        if (seen[slot] != value) {
          slot = 2 * set + 1 - last[set]; // the way not used last
          last[set] = (byte) (slot - 2 * set);
          seen[slot] = value;
          bytes[slot] = null;
          ByteBufUtil.writeAscii(out, value);
          return;
        }
      }
      last[set] = (byte) (slot - 2 * set);
      byte[] b = bytes[slot];
      if (b == null) {
        b = value.getBytes(StandardCharsets.ISO_8859_1); // as writeAscii: chars above 255 become '?'
        bytes[slot] = b;
      }
      out.writeBytes(b);
    }

    /** Whether {@code value}'s bytes are kept (for tests). */
    boolean encoded(String value) {
      int set = System.identityHashCode(value) & (SETS - 1);
      return seen[2 * set] == value && bytes[2 * set] != null || seen[2 * set + 1] == value && bytes[2 * set + 1] != null;
    }

    /** The set {@code value} falls in (for tests). */
    static int set(String value) {
      return System.identityHashCode(value) & (SETS - 1);
    }
  }

  /** Whether this thread copies {@code value}'s bytes when it writes it again in an edited field (for tests). */
  static boolean encoded(String value) {
    return RECENT.get().encoded(value);
  }

  /** The set of slots {@code value} falls in (for tests). */
  static int recentSet(String value) {
    return Recent.set(value);
  }

  /**
   * Writes a body part to {@code to} without flushing, taking ownership of {@code c}: its bytes as
   * they are, or as one chunk when {@code chunked}; {@code last} ends a chunked body with the last
   * chunk and {@code c}'s trailers.
   */
  public static void writeBody(ChannelHandlerContext to, HttpContent c, boolean chunked, boolean last) {
    ByteBuf b = c.content();
    int n = b.readableBytes();
    if (!chunked) {
      if (n > 0) {
        to.write(b, to.voidPromise());
      } else {
        b.release();
      }
      return;
    }
    if (n > 0) {
      ByteBuf size = to.alloc().buffer(12);
      hex(size, n);
      size.writeShort(CRLF);
      to.write(size, to.voidPromise());
      to.write(b, to.voidPromise());
    } else {
      b.release();
    }
    if (!last && n == 0) {
      return;
    }
    ByteBuf end = to.alloc().buffer(last ? 32 : 2);
    if (n > 0) {
      end.writeShort(CRLF);
    }
    if (last) {
      end.writeByte('0').writeShort(CRLF);
      HttpHeaders trailers = ((LastHttpContent) c).trailingHeaders();
      for (Iterator<Map.Entry<CharSequence, CharSequence>> it = trailers.iteratorCharSequence(); it.hasNext(); ) {
        Map.Entry<CharSequence, CharSequence> e = it.next();
        field(end, e.getKey(), e.getValue());
      }
      end.writeShort(CRLF);
    }
    to.write(end, to.voidPromise());
  }

  private static void hex(ByteBuf out, int n) {
    int shift = (31 - Integer.numberOfLeadingZeros(n)) & ~3;
    for (; shift >= 0; shift -= 4) {
      out.writeByte(Character.forDigit((n >>> shift) & 0xf, 16));
    }
  }
}
