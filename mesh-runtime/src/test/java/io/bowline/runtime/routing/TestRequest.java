package io.bowline.runtime.routing;

import io.bowline.api.MeshRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A plain {@link MeshRequest} value for routing tests. */
final class TestRequest implements MeshRequest {
  private final String authority;
  private final String path;
  private final Map<String, List<String>> headers = new LinkedHashMap<>();

  TestRequest(String authority, String path) {
    this.authority = authority;
    this.path = path;
  }

  TestRequest header(String name, String value) {
    headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
    return this;
  }

  Map<String, List<String>> all() {
    return headers;
  }

  @Override
  public String authority() {
    return authority;
  }

  @Override
  public String method() {
    return "GET";
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
    return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
  }
}
