package io.bowline.proxy.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * A strict HTTP/1.1 response decoder for the proxy's upstream connections (RFC 9112 read as a
 * response-smuggling defence), byte level: emits an {@link Http1Response} (the head, its fields as
 * offsets into one copy of the received bytes), then the body as {@code HttpContent}s over slices of
 * the received buffers ending with a {@code LastHttpContent}.
 *
 * <p>Framing (RFC 9112 §6.3): a response to {@code HEAD} (see {@link #expectResponseTo}), a 204 and a
 * 304 have no body whatever their fields say; {@code Transfer-Encoding: chunked} is chunked; else
 * {@code Content-Length}; else the body ends when the connection closes (and the connection is not
 * reused). Interim responses (1xx other than 101) are read and dropped, as Envoy drops them without
 * {@code proxy_100_continue}; after a 101 the bytes that follow are passed on as they are.
 *
 * <p>Refused, by a {@link DecoderException} that closes the connection (the proxy answers 503
 * {@code UC} before a response head, or resets the downstream after one): bytes that do not start
 * {@code HTTP/1.1 } or {@code HTTP/1.0 }, a malformed status line, a bare CR or LF, obs-fold, a
 * field name that is not a token, a control character in a value, more than 100 fields or a head
 * over 64 KiB, {@code Content-Length} with {@code Transfer-Encoding}, {@code Content-Length} values
 * that differ or are not digits, a transfer coding other than one {@code chunked}, a chunk size
 * that is not hex or too long, a malformed chunk extension, chunk data not followed by CRLF, a bad
 * trailer field.
 */
public final class Http1ResponseDecoder extends Http1Decoder {
  /** The largest response head, as the request side's 60 KiB plus room; Netty's client codec allowed 64 KiB. */
  public static final int MAX_HEAD_BYTES = 64 * 1024;
  /** Envoy's {@code max_headers_count} default, which applies to responses too. */
  public static final int MAX_FIELDS = 100;
  private static final int MAX_CHUNK_LINE = 4096;
  private static final long MAX_CHUNK_SIZE = 1L << 56;
  private static final byte[] HTTP_1_1 = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HTTP_1_0 = "HTTP/1.0 ".getBytes(StandardCharsets.US_ASCII);

  private enum State { HEAD, FIXED, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, UNTIL_CLOSE, UPGRADED, BAD }

  private State state = State.HEAD;
  private boolean headRequest;
  private long remaining;
  private int scan; // bytes of the block already searched for its end, from the reader index
  private int lineStart;
  private int lines;
  /** The lines of the last block {@link #block} read, its empty line not counted. */
  private int blockLines;
  /** A final response has just ended. */
  private boolean ended;

  /** Whether the response that comes next answers a {@code HEAD} request (it then has no body). */
  public void expectResponseTo(boolean head) {
    this.headRequest = head;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in) {
    while (in.isReadable() && !removed()) {
      int before = in.readableBytes();
      State s = state;
      switch (s) {
        case HEAD -> head(in);
        case FIXED -> fixed(in);
        case CHUNK_SIZE -> chunkSize(in);
        case CHUNK_DATA -> chunkData(in);
        case CHUNK_END -> chunkEnd(in);
        case TRAILERS -> trailers(in);
        case UNTIL_CLOSE -> emit(new DefaultHttpContent(in.readRetainedSlice(in.readableBytes())));
        case UPGRADED -> emit(in.readRetainedSlice(in.readableBytes()));
        default -> {
          in.skipBytes(in.readableBytes());
          return;
        }
      }
      if (ended) {
        ended = false;
        if (in.isReadable()) {
          // nothing was asked: bytes after a response are another response no request is waiting for
          fail("bytes after the end of the response");
        }
      }
      if (in.readableBytes() == before && state == s) {
        return; // needs more bytes
      }
    }
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in) {
    decode(ctx, in);
    if (state == State.UNTIL_CLOSE) {
      state = State.HEAD;
      emit(LastHttpContent.EMPTY_LAST_CONTENT); // the close ends a close-delimited body
    }
    // any other state: the body was cut short, and the connection's close tells its exchange
  }

  private void head(ByteBuf in) {
    int base = in.readerIndex();
    int n = in.readableBytes();
    if (scan == 0) {
      byte[] expect = HTTP_1_1;
      int k = Math.min(n, expect.length);
      for (int i = 0; i < k; i++) {
        byte b = in.getByte(base + i);
        if (b != expect[i] && !(i == 7 && b == '0')) {
          fail("the upstream did not answer HTTP/1.x (a status line must start HTTP/1.1 or HTTP/1.0)");
        }
      }
    }
    byte[] bytes = block(in, MAX_FIELDS + 1, "head");
    if (bytes == null) {
      return;
    }
    parseHead(bytes);
  }

  /** Parses a head (status line and fields, each ending CRLF, without the empty line) and sets up its body. */
  private void parseHead(byte[] b) {
    HttpVersion version = b[7] == '1' ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0;
    int i = 9;
    if (b.length < 14 || !digit(b[9]) || !digit(b[10]) || !digit(b[11]) || b[9] == '0') {
      fail("malformed status line");
    }
    int code = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
    i = 12;
    if (b[i] == ' ') {
      i++;
      for (; b[i] != '\r'; i++) {
        if (ctl(b[i])) {
          fail("control character in the reason phrase");
        }
      }
    }
    if (b[i] != '\r' || b[i + 1] != '\n') {
      fail("malformed status line");
    }
    int reasonEnd = i;
    i += 2;
    Http1Fields fields;
    try {
      fields = Http1Fields.parse(b, i, MAX_FIELDS, blockLines - 1);
    } catch (Http1Fields.Malformed m) {
      fail(m.getMessage() + " in the response head");
      return;
    }
    long length = -1;
    int te = 0;
    boolean chunked = false;
    boolean close = version == HttpVersion.HTTP_1_0;
    for (int f = 0; f < fields.count(); f++) {
      if (fields.nameIs(f, "content-length")) {
        length = contentLength(fields, f, length);
      } else if (fields.nameIs(f, "transfer-encoding")) {
        te++;
        chunked = fields.valueIs(f, "chunked");
      } else if (fields.nameIs(f, "connection")) {
        if (fields.valueHasToken(f, "close")) {
          close = true;
        } else if (fields.valueHasToken(f, "keep-alive")) {
          close = false;
        }
      }
    }
    if (te > 0 && length >= 0) {
      fail("both Content-Length and Transfer-Encoding in the response");
    }
    if (te > 1 || te == 1 && !chunked) {
      fail("Transfer-Encoding other than one chunked coding in the response");
    }
    if (code < 200 && code != 101) {
      return; // an interim response: dropped, the final one follows
    }
    boolean bodyless = headRequest || code == 204 || code == 304 || code == 101;
    boolean untilClose = !bodyless && te == 0 && length < 0;
    Http1Response response = new Http1Response(version, code, b, reasonEnd, fields, !close && !untilClose && code != 101);
    // the state first: what the response is passed to may call back (expectResponseTo a next request)
    boolean ends = code != 101 && (bodyless || length == 0);
    if (code == 101) {
      state = State.UPGRADED;
    } else if (ends) {
      ended();
    } else if (chunked) {
      state = State.CHUNK_SIZE;
    } else if (length > 0) {
      remaining = length;
      state = State.FIXED;
    } else {
      state = State.UNTIL_CLOSE;
    }
    emit(response);
    if (ends) {
      emit(LastHttpContent.EMPTY_LAST_CONTENT);
    }
  }

  /** {@code prior} (-1: none yet) and the lengths in field {@code f}'s value: the one length they agree on. */
  private long contentLength(Http1Fields fields, int f, long prior) {
    long digits = fields.digits(f); // the usual value, read without a string
    long length = digits >= 0 ? digits : Http1RequestDecoder.contentLength(List.of(fields.value(f)));
    if (length < 0 || prior >= 0 && length != prior) {
      fail("invalid or conflicting Content-Length in the response");
    }
    return length;
  }

  private static boolean digit(byte c) {
    return c >= '0' && c <= '9';
  }

  /** A control character a value must not hold: CTLs but HTAB, and DEL (obs-text is allowed). */
  private static boolean ctl(byte c) {
    return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
  }

  private void fixed(ByteBuf in) {
    int n = (int) Math.min(remaining, in.readableBytes());
    remaining -= n;
    if (remaining == 0) {
      ended();
      emit(new DefaultLastHttpContent(in.readRetainedSlice(n), EmptyHttpHeaders.INSTANCE));
    } else {
      emit(new DefaultHttpContent(in.readRetainedSlice(n)));
    }
  }

  private void chunkSize(ByteBuf in) {
    int base = in.readerIndex();
    int lf = in.indexOf(base, base + Math.min(in.readableBytes(), MAX_CHUNK_LINE), (byte) '\n');
    if (lf < 0) {
      if (in.readableBytes() >= MAX_CHUNK_LINE) {
        fail("chunk size line longer than " + MAX_CHUNK_LINE + " bytes in the response");
      }
      return;
    }
    int len = lf - base;
    if (len == 0 || in.getByte(lf - 1) != '\r') {
      fail("bare LF in a chunk size line of the response");
    }
    long size = 0;
    int i = 0;
    for (; i < len - 1; i++) {
      int d = Character.digit(in.getByte(base + i), 16);
      if (d < 0) {
        break;
      }
      size = size * 16 + d;
      if (size > MAX_CHUNK_SIZE) {
        fail("chunk size too large in the response");
      }
    }
    if (i == 0) {
      fail("chunk size is not hexadecimal in the response");
    }
    if (i < len - 1) {
      String ext = in.toString(base, len - 1, StandardCharsets.ISO_8859_1);
      if (ext.indexOf('\r') >= 0 || !Http1RequestDecoder.extensions(ext, i)) {
        fail("malformed chunk extension in the response");
      }
    }
    in.skipBytes(len + 1);
    if (size == 0) {
      state = State.TRAILERS;
    } else {
      remaining = size;
      state = State.CHUNK_DATA;
    }
  }

  private void chunkData(ByteBuf in) {
    int n = (int) Math.min(remaining, in.readableBytes());
    remaining -= n;
    if (remaining == 0) {
      state = State.CHUNK_END;
    }
    emit(new DefaultHttpContent(in.readRetainedSlice(n)));
  }

  private void chunkEnd(ByteBuf in) {
    int r = in.readerIndex();
    if (in.getByte(r) != '\r' || in.readableBytes() >= 2 && in.getByte(r + 1) != '\n') {
      fail("chunk data not followed by CRLF in the response");
    }
    if (in.readableBytes() >= 2) {
      in.skipBytes(2);
      state = State.CHUNK_SIZE;
    }
  }

  private void trailers(ByteBuf in) {
    byte[] block = block(in, MAX_FIELDS, "trailers");
    if (block == null) {
      return;
    }
    if (block.length == 0) {
      ended();
      emit(LastHttpContent.EMPTY_LAST_CONTENT);
      return;
    }
    LastHttpContent last;
    try {
      last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, Http1Fields.parse(block, 0, MAX_FIELDS).toMap(true));
    } catch (Http1Fields.Malformed m) {
      fail(m.getMessage() + " in the response trailers");
      return;
    }
    ended();
    emit(last);
  }

  /**
   * The lines of a head or trailer section up to its empty line, read from {@code in} (the empty line
   * skipped), once it is all here; else {@code null}. Only CRLF ends a line; at most {@code maxLines}
   * lines and {@link #MAX_HEAD_BYTES} bytes.
   */
  private byte[] block(ByteBuf in, int maxLines, String what) {
    int base = in.readerIndex();
    int n = in.readableBytes();
    int end = -1;
    while (scan < n) {
      int lf = in.indexOf(base + scan, base + n, (byte) '\n');
      if (lf < 0) {
        scan = n;
        break;
      }
      int at = lf - base;
      scan = at + 1;
      if (at == lineStart || in.getByte(lf - 1) != '\r') {
        fail("bare LF in the response " + what);
      }
      if (at == lineStart + 1) {
        end = scan; // the empty line
        break;
      }
      lineStart = at + 1;
      if (++lines > maxLines) {
        fail("more than " + MAX_FIELDS + " fields in the response " + what);
      }
    }
    if (end < 0 ? scan > MAX_HEAD_BYTES : end > MAX_HEAD_BYTES) {
      fail("response " + what + " larger than " + MAX_HEAD_BYTES + " bytes");
    }
    if (end < 0) {
      return null;
    }
    scan = 0;
    lineStart = 0;
    blockLines = lines;
    lines = 0;
    byte[] bytes = new byte[end - 2];
    in.readBytes(bytes);
    in.skipBytes(2);
    return bytes;
  }

  /** The response ends with what is emitted next. */
  private void ended() {
    state = State.HEAD;
    ended = true;
  }

  private void fail(String reason) {
    state = State.BAD;
    throw new DecoderException("upstream response refused: " + reason);
  }

  @Override
  public String toString() {
    return "Http1ResponseDecoder{" + state.name().toLowerCase(Locale.ROOT) + "}";
  }
}
