package io.bowline.runtime.adapter.grpc;

import io.bowline.api.MeshRequest;
import io.grpc.Metadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A gRPC call seen as a {@link MeshRequest}: {@code :authority} is the channel target,
 * {@code :path} is {@code /<full method name>}, {@code :method} POST, {@code content-type}
 * {@code application/grpc}; metadata keys are headers, and {@code -bin} keys are treated as absent
 * (gRFC A28).
 */
final class GrpcMeshRequest implements MeshRequest {
  static final String CONTENT_TYPE = "application/grpc";

  private final String authority;
  private final String path;
  private final Metadata headers;

  /** @param path {@code /<full method name>} */
  GrpcMeshRequest(String authority, String path, Metadata headers) {
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
    return "POST";
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
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.equals("content-type")) {
      return List.of(CONTENT_TYPE);
    }
    if (lower.endsWith(Metadata.BINARY_HEADER_SUFFIX) || lower.startsWith(":")) {
      return List.of();
    }
    Iterable<String> values = headers.getAll(AsciiKeys.of(lower));
    if (values == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>(1);
    values.forEach(out::add);
    return out;
  }
}
