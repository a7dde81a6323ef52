package io.bowline.runtime.testing;

import io.bowline.api.MeshRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Requests for tests that route or filter without an adapter: a plain {@code GET /} over http. */
public final class TestRequests {
  private TestRequests() {}

  /**
   * A {@code GET /} to {@code authority} with one value per header name.
   *
   * @param authority the {@code :authority} (host and port, e.g. {@code reviews:9080})
   * @param headers header name/value pairs, in turn (names as the request is asked for them)
   * @throws IllegalArgumentException if {@code headers} has an odd length
   */
  public static MeshRequest get(String authority, String... headers) {
    if (headers.length % 2 != 0) {
      throw new IllegalArgumentException("headers come in name/value pairs, got " + headers.length + " strings");
    }
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < headers.length; i += 2) {
      values.put(headers[i], headers[i + 1]);
    }
    return get(authority, values);
  }

  /** A {@code GET /} to {@code authority} with {@code headers} (one value per name). */
  public static MeshRequest get(String authority, Map<String, String> headers) {
    Map<String, String> values = Map.copyOf(headers);
    return new MeshRequest() {
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
        return "/";
      }

      @Override
      public String scheme() {
        return "http";
      }

      @Override
      public List<String> headers(String name) {
        String v = values.get(name);
        return v == null ? List.of() : List.of(v);
      }

      @Override
      public String toString() {
        return "GET http://" + authority + "/ " + values;
      }
    };
  }
}
