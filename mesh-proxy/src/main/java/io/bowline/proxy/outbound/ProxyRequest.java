package io.bowline.proxy.outbound;

import io.bowline.api.MeshRequest;
import io.bowline.proxy.http1.Http1Request;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;
import java.util.Locale;

/**
 * A request the proxy received, seen as a {@link MeshRequest}: the authority is the absolute-form
 * target's or the {@code Host} header's, the path the target's path and query. Headers are read from
 * the received head ({@link Http1Request}) without a header map.
 */
final class ProxyRequest implements MeshRequest {
  private final String method;
  private final String authority;
  private final String path;
  private final HttpRequest request;
  /** The downstream connection's handler: its addresses, for the access log. */
  private final OutboundHandler conn;

  ProxyRequest(String method, String authority, String path, HttpRequest request, OutboundHandler conn) {
    this.method = method;
    this.authority = authority;
    this.path = path;
    this.request = request;
    this.conn = conn;
  }

  @Override
  public String downstreamRemoteAddress() {
    return conn.downstreamRemoteAddress();
  }

  @Override
  public String downstreamLocalAddress() {
    return conn.downstreamLocalAddress();
  }

  @Override
  public String authority() {
    return authority;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String scheme() {
    return "http";
  }

  @Override
  public List<String> headers(String name) {
    return Http1Request.headers(request, name.toLowerCase(Locale.ROOT));
  }
}
