package io.bowline.proxy.http1;

import io.bowline.proxy.ProxyLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A strict HTTP/1.1 request decoder for a proxy (RFC 9112, read as a request-smuggling defence):
 * emits an {@link Http1Request} (its fields as offsets into one copy of the head's bytes), then its body as {@code HttpContent}s ending with a
 * {@code LastHttpContent}, or one {@link BadRequest} and nothing more from the connection.
 *
 * <p>Refused with 400: a bare CR or LF, obs-fold (a header line starting with SP or HTAB), a
 * header name that is not a token or has whitespace before its colon, a header value with a
 * control character, a malformed request line, {@code Content-Length} with
 * {@code Transfer-Encoding}, {@code Content-Length} values that differ or are not digits, a
 * transfer coding other than one {@code chunked}, {@code Transfer-Encoding} on HTTP/1.0, an
 * HTTP/1.1 request without exactly one {@code Host}, a chunk size that is not hex or too long, a
 * chunk extension that is not {@code ;token[=token|quoted-string]}, chunk data not followed by
 * CRLF, a bad trailer field. 431: headers over {@link ProxyLimits#maxHeadersBytes()} bytes or
 * {@link ProxyLimits#maxHeaders()} fields; 414: a request target over
 * {@link ProxyLimits#maxUrlBytes()}; 505: another HTTP version; 408: headers not complete within
 * {@link ProxyLimits#requestHeadersTimeout()} of their first byte.
 *
 * <p>One request at a time: after a request's last content the decoder pauses (pipelined bytes
 * stay buffered, and reading stops once some arrive) until {@link #resume} is called once its response has been sent.
 * Trailers are validated and passed on in the {@code LastHttpContent}.
 */
public final class Http1RequestDecoder extends Http1Decoder {
  private static final int MAX_CHUNK_LINE = 4096;
  private static final long MAX_CHUNK_SIZE = 1L << 56;
  /** RFC 9110's {@code tchar}, by ASCII code: what a field name and a method are made of. */
  private static final boolean[] TCHAR = new boolean[128];

  static {
    for (char c = '0'; c <= '9'; c++) {
      TCHAR[c] = true;
    }
    for (char c = 'a'; c <= 'z'; c++) {
      TCHAR[c] = true;
      TCHAR[Character.toUpperCase(c)] = true;
    }
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
      TCHAR[c] = true;
    }
  }

  private enum State { HEAD, FIXED, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, BAD }

  private final ProxyLimits limits;
  private State state = State.HEAD;
  private boolean paused;
  private long remaining;
  private int scan; // bytes of the head (or trailers) already checked, from the reader index
  private int lineStart; // where the line being checked starts, from the reader index
  private int lines; // complete lines of the head so far
  private ScheduledFuture<?> headersTimer;

  /** @param limits header limits and the request-headers timeout */
  public Http1RequestDecoder(ProxyLimits limits) {
    this.limits = limits;
  }

  /** Whether the decoder waits for {@link #resume} (a request was read to its end). */
  public boolean paused() {
    return paused;
  }

  /**
   * Decodes the next request, if its bytes are already here, and reads on. Call on the channel's
   * event loop once the previous request's response is sent.
   */
  public void resume(ChannelHandlerContext ctx) {
    if (!paused) {
      return;
    }
    paused = false;
    ChannelConfig config = ctx.channel().config();
    if (!config.isAutoRead()) { // an atomic exchange per request saved: reading is off only while bytes were pipelined
      config.setAutoRead(true);
    }
    if (heldBytes() == 0) {
      // nothing pipelined: the next request is decoded as it is read (or, when called from a handler
      // this decoder passed the request to, by the decode on the stack, which goes on now)
      return;
    }
    try {
      decodeHeld(ctx);
    } catch (RuntimeException e) {
      ctx.fireExceptionCaught(e);
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    super.handlerRemoved(ctx);
    cancelHeadersTimer();
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in) {
    while (!paused && in.isReadable() && !removed()) {
      int before = in.readableBytes();
      switch (state) {
        case HEAD:
          head(ctx, in);
          break;
        case FIXED:
          fixed(in);
          break;
        case CHUNK_SIZE:
          chunkSize(in);
          break;
        case CHUNK_DATA:
          chunkData(in);
          break;
        case CHUNK_END:
          chunkEnd(in);
          break;
        case TRAILERS:
          trailers(in);
          break;
        case BAD:
        default:
          in.skipBytes(in.readableBytes());
          return;
      }
      if (state != State.BAD && in.readableBytes() == before && !paused) {
        return; // needs more bytes
      }
    }
    if (paused && in.isReadable()) {
      // pipelined bytes wait for the response: stop reading until resume (a client that waits for
      // its response, the common case, never turns reading off and on)
      ctx.channel().config().setAutoRead(false);
    }
  }

  private void head(ChannelHandlerContext ctx, ByteBuf in) {
    if (scan == 0) {
      // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line
      while (in.readableBytes() >= 2 && in.getByte(in.readerIndex()) == '\r' && in.getByte(in.readerIndex() + 1) == '\n') {
        in.skipBytes(2);
      }
      if (!in.isReadable() || (in.readableBytes() == 1 && in.getByte(in.readerIndex()) == '\r')) {
        return;
      }
    }
    int end = scanLines(in, limits.maxHeadersBytes(), limits.maxHeaders() + 1, true);
    if (end < 0) {
      // the head is not all here: its first bytes arrived in this read, so the timeout starts now
      // (a head that arrives whole, the common case, costs no timer)
      if (state != State.BAD && headersTimer == null && !limits.requestHeadersTimeout().isZero()) {
        headersTimer = ctx.executor().schedule(() -> timedOut(ctx),
            limits.requestHeadersTimeout().toNanos(), TimeUnit.NANOSECONDS);
      }
      return;
    }
    cancelHeadersTimer();
    byte[] head = new byte[end - 2]; // the request line and field lines, each with its CRLF
    in.readBytes(head);
    in.skipBytes(2);
    int fieldLines = lines - 1; // the request line's is not a field's
    resetScan();
    parseHead(head, fieldLines);
  }

  /**
   * Checks lines from {@link #scan} on: CRLF endings only, no obs-fold. Returns the length of the
   * block up to and including its empty line, or -1 when it is not complete yet (or was refused).
   */
  private int scanLines(ByteBuf in, int maxBytes, int maxLines, boolean head) {
    int base = in.readerIndex();
    int n = in.readableBytes();
    // the byte before the current one, read once (a bounds-checked read per byte, not three)
    byte prev = scan > 0 ? in.getByte(base + scan - 1) : 0;
    for (; scan < n; scan++) {
      byte b = in.getByte(base + scan);
      boolean afterCr = scan > 0 && prev == '\r';
      prev = b;
      if (afterCr && b != '\n') {
        fail(400, "bare CR in the " + (head ? "request head" : "trailers"));
        return -1;
      }
      if (b == '\n') {
        if (!afterCr) {
          fail(400, "bare LF in the " + (head ? "request head" : "trailers"));
          return -1;
        }
        if (scan - 1 == lineStart) {
          scan++;
          return scan; // the empty line
        }
        lineStart = scan + 1;
        lines++;
        if (lines > maxLines) {
          fail(431, "more than " + limits.maxHeaders() + " header fields");
          return -1;
        }
      } else if (scan == lineStart && (b == ' ' || b == '\t') && (lines > 0 || !head)) {
        fail(400, "obs-fold (a line starting with whitespace) in the " + (head ? "headers" : "trailers"));
        return -1;
      }
      if (scan >= maxBytes) {
        fail(431, (head ? "request headers" : "trailers") + " larger than " + maxBytes + " bytes");
        return -1;
      }
    }
    return -1;
  }

  private void resetScan() {
    scan = 0;
    lineStart = 0;
    lines = 0;
  }

  private void parseHead(byte[] b, int fieldLines) {
    int eol = 0;
    while (b[eol] != '\r') {
      eol++;
    }
    int sp1 = indexOf(b, ' ', 0, eol);
    int sp2 = sp1 < 0 ? -1 : indexOf(b, ' ', sp1 + 1, eol);
    if (sp1 <= 0 || sp2 <= sp1 + 1 || indexOf(b, ' ', sp2 + 1, eol) >= 0 || sp2 == eol - 1) {
      fail(400, "malformed request line");
      return;
    }
    for (int i = 0; i < sp1; i++) {
      if (b[i] <= 0 || !tchar((char) b[i])) {
        fail(400, "the method is not a token");
        return;
      }
    }
    if (sp2 - sp1 - 1 > limits.maxUrlBytes()) {
      fail(414, "request target longer than " + limits.maxUrlBytes() + " bytes");
      return;
    }
    for (int i = sp1 + 1; i < sp2; i++) {
      if (b[i] <= 0x20 || b[i] == 0x7f) { // bytes over 0x7f are negative
        fail(400, "invalid character in the request target");
        return;
      }
    }
    HttpVersion v = version(b, sp2 + 1, eol);
    if (v == null) {
      String version = new String(b, sp2 + 1, eol - sp2 - 1, StandardCharsets.ISO_8859_1);
      if (version.matches("HTTP/[0-9]\\.[0-9]")) {
        fail(505, "HTTP version not supported: " + version);
      } else {
        fail(400, "malformed HTTP version");
      }
      return;
    }
    Http1Fields fields;
    try {
      fields = Http1Fields.parse(b, eol + 2, limits.maxHeaders(), fieldLines);
    } catch (Http1Fields.Malformed m) {
      fail(m.tooMany ? 431 : 400, m.getMessage());
      return;
    }
    // framing (RFC 9112 §6.3): the checks that keep two parsers from seeing two different requests
    int te = 0;
    boolean teChunked = false;
    int cls = 0; // Content-Length fields
    long clDigits = -1; // their value while each is the same plain number (no string made), else -1
    int hosts = 0;
    for (int f = 0; f < fields.count(); f++) {
      if (fields.nameIs(f, "transfer-encoding")) {
        te++;
        teChunked = fields.valueIs(f, "chunked");
      } else if (fields.nameIs(f, "content-length")) {
        long d = fields.digits(f);
        clDigits = cls == 0 || d == clDigits ? d : -1;
        cls++;
      } else if (fields.nameIs(f, "host")) {
        hosts++;
      }
    }
    if (te > 0 && cls > 0) {
      fail(400, "both Content-Length and Transfer-Encoding");
      return;
    }
    boolean chunked = false;
    long length = 0;
    if (te > 0) {
      if (v == HttpVersion.HTTP_1_0) {
        fail(400, "Transfer-Encoding in an HTTP/1.0 request");
        return;
      }
      if (te != 1 || !teChunked) {
        fail(400, "Transfer-Encoding other than one chunked coding");
        return;
      }
      chunked = true;
    } else if (cls > 0) {
      length = clDigits >= 0 ? clDigits : contentLength(fields.getAll("content-length"));
      if (length < 0) {
        fail(400, "invalid or conflicting Content-Length");
        return;
      }
    }
    if (hosts > 1 || (v == HttpVersion.HTTP_1_1 && hosts == 0)) {
      fail(400, hosts == 0 ? "no Host header" : "more than one Host header");
      return;
    }
    HttpMethod method = sp1 == 3 && b[0] == 'G' && b[1] == 'E' && b[2] == 'T'
        ? HttpMethod.GET // the usual method, without a string made to look it up
        : HttpMethod.valueOf(new String(b, 0, sp1, StandardCharsets.ISO_8859_1));
    Http1Request request = new Http1Request(method, new String(b, sp1 + 1, sp2 - sp1 - 1, StandardCharsets.ISO_8859_1), v, fields);
    // the state first: what the request is passed to may resume this decoder on the same stack
    if (chunked) {
      state = State.CHUNK_SIZE;
    } else if (length > 0) {
      state = State.FIXED;
      remaining = length;
    } else {
      requestEnded();
    }
    emit(request);
    if (!chunked && length == 0) {
      emit(LastHttpContent.EMPTY_LAST_CONTENT);
    }
  }

  private static int indexOf(byte[] b, char c, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  /** HTTP/1.1 or HTTP/1.0 in {@code b[from, to)}, else {@code null}. */
  private static HttpVersion version(byte[] b, int from, int to) {
    if (to - from != 8 || b[from] != 'H' || b[from + 1] != 'T' || b[from + 2] != 'T' || b[from + 3] != 'P'
        || b[from + 4] != '/' || b[from + 5] != '1' || b[from + 6] != '.') {
      return null;
    }
    return b[from + 7] == '1' ? HttpVersion.HTTP_1_1 : b[from + 7] == '0' ? HttpVersion.HTTP_1_0 : null;
  }

  /** The one length all values agree on, or -1 (RFC 9110 §8.6: a list of equal values is one value). */
  static long contentLength(List<String> values) {
    if (values.size() == 1) { // the common case: one value of digits only
      long n = digits(values.get(0));
      if (n >= 0) {
        return n;
      }
    }
    long length = -1;
    for (String v : values) {
      for (String part : v.split(",", -1)) {
        String p = part.trim();
        if (p.isEmpty() || p.length() > 18) {
          return -1;
        }
        for (int i = 0; i < p.length(); i++) {
          if (p.charAt(i) < '0' || p.charAt(i) > '9') {
            return -1;
          }
        }
        long n = Long.parseLong(p);
        if (length >= 0 && n != length) {
          return -1;
        }
        length = n;
      }
    }
    return length;
  }

  /** The value of {@code s} when it is 1 to 18 ASCII digits, else -1. */
  private static long digits(String s) {
    if (s.isEmpty() || s.length() > 18) {
      return -1;
    }
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  private void fixed(ByteBuf in) {
    int n = (int) Math.min(remaining, in.readableBytes());
    if (n == 0) {
      return;
    }
    remaining -= n;
    if (remaining == 0) {
      requestEnded();
      emit(new DefaultLastHttpContent(in.readRetainedSlice(n), EmptyHttpHeaders.INSTANCE));
    } else {
      emit(new DefaultHttpContent(in.readRetainedSlice(n)));
    }
  }

  private void chunkSize(ByteBuf in) {
    int base = in.readerIndex();
    int limit = Math.min(in.readableBytes(), MAX_CHUNK_LINE);
    int lf = -1;
    for (int i = 0; i < limit; i++) {
      byte b = in.getByte(base + i);
      if (b == '\n') {
        lf = i;
        break;
      }
      if (b == '\r' && i + 1 < in.readableBytes() && in.getByte(base + i + 1) != '\n') {
        fail(400, "bare CR in a chunk size line");
        return;
      }
    }
    if (lf < 0) {
      if (in.readableBytes() >= MAX_CHUNK_LINE) {
        fail(400, "chunk size line longer than " + MAX_CHUNK_LINE + " bytes");
      }
      return;
    }
    if (lf == 0 || in.getByte(base + lf - 1) != '\r') {
      fail(400, "bare LF in a chunk size line");
      return;
    }
    String line = in.toString(base, lf - 1, StandardCharsets.ISO_8859_1);
    in.skipBytes(lf + 1);
    int i = 0;
    long size = 0;
    while (i < line.length() && Character.digit(line.charAt(i), 16) >= 0 && isAscii(line.charAt(i))) {
      size = size * 16 + Character.digit(line.charAt(i), 16);
      i++;
      if (size > MAX_CHUNK_SIZE) {
        fail(400, "chunk size too large");
        return;
      }
    }
    if (i == 0) {
      fail(400, "chunk size is not hexadecimal");
      return;
    }
    if (!extensions(line, i)) {
      fail(400, "malformed chunk extension");
      return;
    }
    if (size == 0) {
      state = State.TRAILERS;
      resetScan();
    } else {
      remaining = size;
      state = State.CHUNK_DATA;
    }
  }

  private static boolean isAscii(char c) {
    return c < 0x80;
  }

  /** {@code *( ";" token [ "=" ( token / quoted-string ) ] )} to the end of the line, no whitespace. */
  static boolean extensions(String line, int i) {
    while (i < line.length()) {
      if (line.charAt(i) != ';') {
        return false;
      }
      int s = ++i;
      while (i < line.length() && tchar(line.charAt(i))) {
        i++;
      }
      if (i == s) {
        return false;
      }
      if (i < line.length() && line.charAt(i) == '=') {
        i++;
        if (i < line.length() && line.charAt(i) == '"') {
          i++;
          boolean closed = false;
          while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '"') {
              closed = true;
              i++;
              break;
            }
            if (c == '\\') {
              if (i + 1 >= line.length() || !qdtext(line.charAt(i + 1)) && line.charAt(i + 1) != '"' && line.charAt(i + 1) != '\\') {
                return false;
              }
              i += 2;
              continue;
            }
            if (!qdtext(c)) {
              return false;
            }
            i++;
          }
          if (!closed) {
            return false;
          }
        } else {
          int v = i;
          while (i < line.length() && tchar(line.charAt(i))) {
            i++;
          }
          if (i == v) {
            return false;
          }
        }
      }
    }
    return true;
  }

  private static boolean qdtext(char c) {
    return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || (c >= 0x80 && c <= 0xff);
  }

  private void chunkData(ByteBuf in) {
    int n = (int) Math.min(remaining, in.readableBytes());
    if (n == 0) {
      return;
    }
    remaining -= n;
    if (remaining == 0) {
      state = State.CHUNK_END;
    }
    emit(new DefaultHttpContent(in.readRetainedSlice(n)));
  }

  private void chunkEnd(ByteBuf in) {
    if (in.readableBytes() < 2) {
      if (in.getByte(in.readerIndex()) != '\r') {
        fail(400, "chunk data not followed by CRLF");
      }
      return;
    }
    if (in.getByte(in.readerIndex()) != '\r' || in.getByte(in.readerIndex() + 1) != '\n') {
      fail(400, "chunk data not followed by CRLF");
      return;
    }
    in.skipBytes(2);
    state = State.CHUNK_SIZE;
  }

  private void trailers(ByteBuf in) {
    if (scan == 0 && in.readableBytes() >= 2 && in.getByte(in.readerIndex()) == '\r' && in.getByte(in.readerIndex() + 1) == '\n') {
      in.skipBytes(2);
      requestEnded();
      emit(LastHttpContent.EMPTY_LAST_CONTENT);
      return;
    }
    int end = scanLines(in, limits.maxHeadersBytes(), limits.maxHeaders(), false);
    if (end < 0) {
      return;
    }
    if (end == 2) { // no trailer fields
      in.skipBytes(2);
      resetScan();
      requestEnded();
      emit(LastHttpContent.EMPTY_LAST_CONTENT);
      return;
    }
    byte[] block = new byte[end - 2];
    in.readBytes(block);
    in.skipBytes(2);
    resetScan();
    try {
      Http1Fields trailers = Http1Fields.parse(block, 0, limits.maxHeaders());
      requestEnded();
      emit(new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, trailers.toMap(true)));
    } catch (Http1Fields.Malformed m) {
      fail(m.tooMany ? 431 : 400, m.getMessage() + " in the trailers");
    }
  }

  private void requestEnded() {
    state = State.HEAD;
    paused = true;
  }

  private void timedOut(ChannelHandlerContext ctx) {
    headersTimer = null;
    if (state == State.HEAD && scan > 0 || state == State.HEAD && !paused) {
      state = State.BAD;
      ctx.fireChannelRead(new BadRequest(408, "request headers not complete within "
          + limits.requestHeadersTimeout().toMillis() + " ms"));
    }
  }

  private void cancelHeadersTimer() {
    if (headersTimer != null) {
      headersTimer.cancel(false);
      headersTimer = null;
    }
  }

  private void fail(int status, String reason) {
    cancelHeadersTimer();
    state = State.BAD;
    emit(new BadRequest(status, reason));
  }

  /** Whether {@code s} is a non-empty token (RFC 9110 §5.6.2). */
  static boolean token(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!tchar(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  static boolean tchar(char c) {
    return c < TCHAR.length && TCHAR[c];
  }

  @Override
  public String toString() {
    return "Http1RequestDecoder{" + state.name().toLowerCase(Locale.ROOT) + (paused ? ", paused" : "") + "}";
  }
}
