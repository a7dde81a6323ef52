package io.bowline.proxy.http1;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * An HTTP/1.1 response head as {@link Http1ResponseDecoder} received it: the status, and the header
 * fields as offsets into one copy of the received bytes ({@link Http1Fields}). Nothing is decoded
 * into strings until asked: {@link #fields()} reads or copies one field at a time, and only
 * {@link #headers()} (for callers that need Netty's map: an HTTP/2 downstream, a filter's response
 * edits) builds a header map, once.
 *
 * <p>Header names compare case-insensitively (ASCII). Values are ISO-8859-1, without the optional
 * whitespace around them.
 */
public final class Http1Response extends Http1Head implements HttpResponse {
  private static final byte[] HTTP_1_1 = {'H', 'T', 'T', 'P', '/', '1', '.', '1'};
  private static final byte[] HTTP_1_0 = {'H', 'T', 'T', 'P', '/', '1', '.', '0'};
  private HttpResponseStatus status;
  private final int code;
  /** The received head: the status line ({@code HTTP/1.x NNN reason}) then the field lines, each ending CRLF. */
  private final byte[] bytes;
  /** Where the status line's reason phrase ends (it starts at 13 when there is one). */
  private final int reasonEnd;
  private final boolean keepAlive;

  Http1Response(HttpVersion version, int code, byte[] bytes, int reasonEnd, Http1Fields fields, boolean keepAlive) {
    super(version, fields);
    this.code = code;
    this.bytes = bytes;
    this.reasonEnd = reasonEnd;
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

  /** The header fields, read without a header map. */
  public Http1Fields fields() {
    return fields;
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
  public HttpResponse setProtocolVersion(HttpVersion v) {
    throw new UnsupportedOperationException("a received response head is read-only");
  }




  @Override
  public String toString() {
    return "Http1Response{" + protocolVersion() + " " + code + ", " + fields.count() + " fields}";
  }
}
