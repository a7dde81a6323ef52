package io.bowline.api;

import java.util.List;

/**
 * The view of an outbound request that routing and filters see, whatever the transport (OkHttp,
 * gRPC, the proxy). Header names are case-insensitive; pseudo-headers {@code :authority},
 * {@code :path}, {@code :method} and {@code :scheme} are readable through {@link #headers(String)}.
 */
public interface MeshRequest {

  /**
   * {@code :authority} (the Host header for HTTP/1), e.g. {@code reviews:9080}.
   *
   * @return the authority
   */
  String authority();

  /**
   * {@code :method}, upper case.
   *
   * @return the method, e.g. {@code GET}
   */
  String method();

  /**
   * {@code :path}, including the query string, e.g. {@code /reviews/0?x=1}.
   *
   * @return the path and query
   */
  String path();

  /**
   * {@code :scheme}: {@code http} or {@code https}.
   *
   * @return the scheme
   */
  String scheme();

  /**
   * All values of a header in arrival order; empty if absent.
   *
   * @param name the header name, any case
   * @return the values, possibly empty
   */
  List<String> headers(String name);

  /**
   * Every header value joined with {@code ","} (Envoy's multi-value rule), or {@code null} if absent.
   *
   * @param name the header or pseudo-header name, any case
   * @return the joined values, or {@code null}
   */
  default String header(String name) {
    String lower = name.toLowerCase(java.util.Locale.ROOT);
    switch (lower) {
      case ":authority":
        return authority();
      case ":path":
        return path();
      case ":method":
        return method();
      case ":scheme":
        return scheme();
      default:
        List<String> values = headers(lower);
        if (values.isEmpty()) {
          return null;
        }
        return values.size() == 1 ? values.get(0) : String.join(",", values); // one value: no copy
    }
  }

  /**
   * The remote address of the connection this request arrived on ({@link
   * io.bowline.api.filter.Exchange#downstreamRemoteAddress()}, Envoy's {@code %DOWNSTREAM_REMOTE_ADDRESS%}).
   *
   * @return {@code address:port}, or {@code null} (the default) for a request made in the application's process
   */
  default String downstreamRemoteAddress() {
    return null;
  }

  /**
   * The local address of the connection this request arrived on ({@link
   * io.bowline.api.filter.Exchange#downstreamLocalAddress()}, Envoy's {@code %DOWNSTREAM_LOCAL_ADDRESS%}).
   *
   * @return {@code address:port}, or {@code null} (the default) for a request made in the application's process
   */
  default String downstreamLocalAddress() {
    return null;
  }
}
