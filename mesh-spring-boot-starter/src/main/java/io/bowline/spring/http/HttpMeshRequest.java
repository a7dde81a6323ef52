package io.bowline.spring.http;

import io.bowline.api.MeshRequest;
import java.util.List;

/** A {@link BufferedRequest} seen as a {@link MeshRequest} (what routing and filters read). */
final class HttpMeshRequest implements MeshRequest {
  private final BufferedRequest request;
  private final String authority;
  private final String path;

  HttpMeshRequest(BufferedRequest request) {
    this.request = request;
    String host = request.headers().getFirst("Host");
    this.authority = host != null ? host : request.authority();
    this.path = request.pathAndQuery();
  }

  @Override
  public String authority() {
    return authority;
  }

  @Override
  public String method() {
    return request.method();
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String scheme() {
    return request.uri().getScheme();
  }

  @Override
  public List<String> headers(String name) {
    List<String> values = request.headers().get(name);
    return values == null ? List.of() : values;
  }
}
