package io.bowline.proxy.outbound;

import io.bowline.api.MeshRequest;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * A request the proxy received, seen as a {@link MeshRequest}: the authority is the absolute-form
 * target's or the {@code Host} header's, the path the target's path and query.
 */
final class ProxyRequest implements MeshRequest {
  private final String method;
  private final String authority;
  private final String path;
  private final HttpHeaders headers;

  ProxyRequest(String method, String authority, String path, HttpHeaders headers) {
    this.method = method;
    this.authority = authority;
    this.path = path;
    this.headers = headers;
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
    return headers.getAll(name);
  }

  HttpHeaders nettyHeaders() {
    return headers;
  }
}
