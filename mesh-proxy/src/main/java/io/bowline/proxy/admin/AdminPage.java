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
}
