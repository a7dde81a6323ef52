package io.bowline.proxy.http1;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.1 response head as {@link Http1ResponseDecoder} received it: the status, and the header
 * fields as offsets into one copy of the received bytes. Nothing is decoded into strings until asked:
 * {@link #get} reads one field, {@link #writeField} copies a field line as received, and only
 * {@link #headers()} (for callers that need Netty's map: an HTTP/2 downstream, a filter's response
 * edits) builds a header map, once.
 *
 * <p>Header names compare case-insensitively (ASCII). Values are ISO-8859-1, without the optional
 * whitespace around them.
 */
public final class Http1Response implements HttpResponse {
  private static final byte[] HTTP_1_1 = {'H', 'T', 'T', 'P', '/', '1', '.', '1'};
  private static final byte[] HTTP_1_0 = {'H', 'T', 'T', 'P', '/', '1', '.', '0'};
  private final HttpVersion version;
  private HttpResponseStatus status;
  private final int code;
  /** The received head: the status line ({@code HTTP/1.x NNN reason}) then the field lines, each ending CRLF. */
  private final byte[] bytes;
  /** Where the status line's reason phrase ends (it starts at 13 when there is one). */
  private final int reasonEnd;
  /** Per field: name start, name end, value start, value end, into {@link #bytes}. */
  private final int[] fields;
  private final int count;
  private final boolean keepAlive;
  private HttpHeaders headers;
  private DecoderResult result = DecoderResult.SUCCESS;

  Http1Response(HttpVersion version, int code, byte[] bytes, int reasonEnd, int[] fields, int count, boolean keepAlive) {
    this.version = version;
    this.code = code;
    this.bytes = bytes;
    this.reasonEnd = reasonEnd;
    this.fields = fields;
    this.count = count;
    this.keepAlive = keepAlive;
  }

  /** The status code. */
  public int code() {
    return code;
  }

  /**
   * Whether the upstream connection may carry another request after this response (HTTP/1.1 without
   * {@code Connection: close}, or HTTP/1.0 with {@code Connection: keep-alive}; never when the body
   * is delimited by the connection's close).
   */
  public boolean keepAlive() {
    return keepAlive;
  }

  /** The number of header fields. */
  public int fieldCount() {
    return count;
  }

  /** Whether field {@code i}'s name is {@code lowerName} (ASCII lower case), ignoring case. */
  public boolean nameIs(int i, String lowerName) {
    return fields[4 * i + 1] - fields[4 * i] == lowerName.length() && nameStartsWith(i, lowerName);
  }

  /** Field {@code i}'s name, as received. */
  public String name(int i) {
    return new String(bytes, fields[4 * i], fields[4 * i + 1] - fields[4 * i], StandardCharsets.ISO_8859_1);
  }

  /** Field {@code i}'s value. */
  public String value(int i) {
    return new String(bytes, fields[4 * i + 2], fields[4 * i + 3] - fields[4 * i + 2], StandardCharsets.ISO_8859_1);
  }

  /** The first value of {@code lowerName} (ASCII lower case), or {@code null}. */
  public String get(String lowerName) {
    for (int i = 0; i < count; i++) {
      if (nameIs(i, lowerName)) {
        return value(i);
      }
    }
    return null;
  }

  /** The values of {@code lowerName} joined with commas (RFC 9110 §5.3), or {@code null} when absent. */
  public String joined(String lowerName) {
    String first = null;
    StringBuilder more = null;
    for (int i = 0; i < count; i++) {
      if (nameIs(i, lowerName)) {
        if (first == null) {
          first = value(i);
        } else {
          if (more == null) {
            more = new StringBuilder(first);
          }
          more.append(',').append(value(i));
        }
      }
    }
    return more == null ? first : more.toString();
  }

  /**
   * Writes field {@code i} as a header line ({@code name: value CRLF}), its bytes as received.
   */
  public void writeField(int i, ByteBuf out) {
    int ns = fields[4 * i];
    out.writeBytes(bytes, ns, fields[4 * i + 1] - ns);
    out.writeByte(':').writeByte(' ');
    int vs = fields[4 * i + 2];
    out.writeBytes(bytes, vs, fields[4 * i + 3] - vs);
    out.writeByte('\r').writeByte('\n');
  }

  /**
   * Writes the status line as received, with {@code version} ({@code HTTP/1.1} or {@code HTTP/1.0},
   * the downstream's) in place of the upstream's.
   */
  public void writeStatusLine(HttpVersion version, ByteBuf out) {
    out.writeBytes(version == HttpVersion.HTTP_1_0 ? HTTP_1_0 : HTTP_1_1);
    out.writeBytes(bytes, 8, reasonEnd - 8);
    out.writeByte('\r').writeByte('\n');
  }

  /** Whether field {@code i}'s name starts with {@code lowerPrefix} (ASCII lower case), ignoring case. */
  public boolean nameStartsWith(int i, String lowerPrefix) {
    int s = fields[4 * i];
    if (fields[4 * i + 1] - s < lowerPrefix.length()) {
      return false;
    }
    for (int k = 0; k < lowerPrefix.length(); k++) {
      int b = bytes[s + k];
      if (b >= 'A' && b <= 'Z') {
        b += 32;
      }
      if (b != lowerPrefix.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /** The number of bytes {@link #writeField} writes for every field, an upper bound for a head's size. */
  public int fieldBytes() {
    return bytes.length + 2 * count;
  }

  /** The headers as Netty's map, built on the first call. */
  @Override
  public HttpHeaders headers() {
    if (headers == null) {
      HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
      for (int i = 0; i < count; i++) {
        h.add(name(i), value(i));
      }
      headers = h;
    }
    return headers;
  }

  @Override
  public HttpResponseStatus status() {
    if (status == null) {
      status = HttpResponseStatus.valueOf(code);
    }
    return status;
  }

  @Deprecated
  @Override
  public HttpResponseStatus getStatus() {
    return status();
  }

  @Override
  public HttpResponse setStatus(HttpResponseStatus s) {
    throw new UnsupportedOperationException("a received response head is read-only");
  }

  @Override
  public HttpVersion protocolVersion() {
    return version;
  }

  @Deprecated
  @Override
  public HttpVersion getProtocolVersion() {
    return version;
  }

  @Override
  public HttpResponse setProtocolVersion(HttpVersion v) {
    throw new UnsupportedOperationException("a received response head is read-only");
  }

  @Override
  public DecoderResult decoderResult() {
    return result;
  }

  @Deprecated
  @Override
  public DecoderResult getDecoderResult() {
    return result;
  }

  @Override
  public void setDecoderResult(DecoderResult r) {
    this.result = r;
  }

  @Override
  public String toString() {
    return "Http1Response{" + version + " " + code + ", " + count + " fields}";
  }
}
