package io.bowline.proxy.outbound;

import io.bowline.runtime.routing.RequestEditor;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/** Netty headers seen as the editor routing's {@code RequestMutation} writes through. */
final class NettyEditors implements RequestEditor {
  private final HttpHeaders headers;
  String path;
  String authority;

  NettyEditors(HttpHeaders headers, String path, String authority) {
    this.headers = headers;
    this.path = path;
    this.authority = authority;
  }

  @Override
  public List<String> values(String name) {
    return headers.getAll(name);
  }

  @Override
  public void add(String name, String value) {
    headers.add(name, value);
  }

  @Override
  public void set(String name, String value) {
    headers.set(name, value);
  }

  @Override
  public void remove(String name) {
    headers.remove(name);
  }

  @Override
  public void path(String rawPath) {
    this.path = rawPath;
  }

  @Override
  public void authority(String a) {
    this.authority = a;
  }
}
