package io.bowline.runtime.admin;

import java.nio.charset.StandardCharsets;

/**
 * One admin answer, independent of the HTTP server that sends it.
 *
 * @param status the HTTP status code
 * @param contentType the {@code Content-Type} header value
 * @param body the body bytes (not copied)
 */
public record AdminResponse(int status, String contentType, byte[] body) {
  static final String TEXT = "text/plain; charset=UTF-8";
  static final String JSON = "application/json";

  static AdminResponse text(int status, String body) {
    return new AdminResponse(status, TEXT, body.getBytes(StandardCharsets.UTF_8));
  }

  static AdminResponse json(String body) {
    return new AdminResponse(200, JSON, body.getBytes(StandardCharsets.UTF_8));
  }

  /** The body as UTF-8 text. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
