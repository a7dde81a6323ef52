package io.bowline.proxy.admin;

/**
 * One page of the proxy's admin port (Envoy's admin handlers: {@code /ready}, and later
 * {@code /stats/prometheus}, {@code /config_dump}, {@code /clusters}).
 */
@FunctionalInterface
public interface AdminPage {

  /** What a page answers. */
  record Response(int status, String contentType, String body) {}

  /** Renders the page; runs on an event loop, so it must not block. */
  Response render();

  /**
   * Answers the paths no page is registered for (e.g. the mesh client's admin handlers:
   * {@code /config_dump}, {@code /clusters}, {@code /stats/prometheus}, the mesh page at {@code /});
   * runs on an event loop, so it must not block.
   */
  @FunctionalInterface
  interface Fallback {
    /**
     * @param method the request method, e.g. {@code GET}
     * @param path the path without the query, e.g. {@code /clusters}
     * @param rawQuery the query without {@code ?}, or {@code null}
     * @return the response (404 for a path it does not know)
     */
    Response render(String method, String path, String rawQuery);
  }
}
