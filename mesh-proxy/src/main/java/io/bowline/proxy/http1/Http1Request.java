package io.bowline.proxy.http1;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;

/**
 * An HTTP/1.1 request head as {@link Http1RequestDecoder} received it: method, target, version, and
 * the header fields as offsets into one copy of the received bytes ({@link Http1Fields}), read
 * without a header map. {@link #headers()} builds Netty's map on its first call, for code that needs
 * one (or edits the request's headers); from then on the map is the request's headers, and
 * {@link #get}/{@link #getAll} read it, so an edit made there is seen by every reader.
 */
public final class Http1Request extends Http1Head implements HttpRequest {
  private final HttpMethod method;
  private final String uri;
  /** A field set after the head was received (lower-case name), replacing the received ones of that name. */
  private String setName;
  private String setValue;

  Http1Request(HttpMethod method, String uri, HttpVersion version, Http1Fields fields) {
    super(version, fields);
    this.method = method;
    this.uri = uri;
  }

  /**
   * The received fields, or {@code null} once {@link #headers()} made the map the request's headers
   * (read those then).
   */
  public Http1Fields fields() {
    return headers == null ? fields : null;
  }

  /** The first value of {@code lowerName} (ASCII lower case), or {@code null}. */
  public String get(String lowerName) {
    if (headers != null) {
      return headers.get(lowerName);
    }
    return lowerName.equals(setName) ? setValue : fields.get(lowerName);
  }

  /** Every value of {@code lowerName}, in order. */
  public List<String> getAll(String lowerName) {
    if (headers != null) {
      return headers.getAll(lowerName);
    }
    return lowerName.equals(setName) ? List.of(setValue) : fields.getAll(lowerName);
  }

  /**
   * Sets {@code lowerName} to {@code value}, replacing the received values: kept beside the received
   * fields (one such field; a second name, or a map already built, goes to the map).
   */
  public void set(String lowerName, String value) {
    if (headers == null && (setName == null || setName.equals(lowerName))) {
      setName = lowerName;
      setValue = value;
    } else {
      headers().set(lowerName, value);
    }
  }

  /** Whether received field {@code i} is replaced by a field {@link #set} later (and is not sent). */
  public boolean replaced(int i) {
    return setName != null && fields.nameIs(i, setName);
  }

  /** The name of the field {@link #set} after the head was received, or {@code null}. */
  public String setName() {
    return headers == null ? setName : null;
  }

  /** Its value. */
  public String setValue() {
    return setValue;
  }

  /** The first value of {@code lowerName} in {@code r}'s headers, without a header map when it is received bytes. */
  public static String header(HttpRequest r, String lowerName) {
    return r instanceof Http1Request raw ? raw.get(lowerName) : r.headers().get(lowerName);
  }

  /** Every value of {@code lowerName} in {@code r}'s headers, without a header map when it is received bytes. */
  public static List<String> headers(HttpRequest r, String lowerName) {
    return r instanceof Http1Request raw ? raw.getAll(lowerName) : r.headers().getAll(lowerName);
  }

  @Override
  void amend(HttpHeaders map) {
    if (setName != null) {
      map.set(setName, setValue);
    }
  }

  @Override
  public HttpMethod method() {
    return method;
  }

  @Deprecated
  @Override
  public HttpMethod getMethod() {
    return method;
  }

  @Override
  public HttpRequest setMethod(HttpMethod m) {
    throw new UnsupportedOperationException("a received request head's method is read-only");
  }

  @Override
  public String uri() {
    return uri;
  }

  @Deprecated
  @Override
  public String getUri() {
    return uri;
  }

  @Override
  public HttpRequest setUri(String u) {
    throw new UnsupportedOperationException("a received request head's target is read-only");
  }



  @Override
  public HttpRequest setProtocolVersion(HttpVersion v) {
    throw new UnsupportedOperationException("a received request head's version is read-only");
  }




  @Override
  public String toString() {
    return "Http1Request{" + method + " " + protocolVersion() + ", " + fields.count() + " fields}";
  }
}
