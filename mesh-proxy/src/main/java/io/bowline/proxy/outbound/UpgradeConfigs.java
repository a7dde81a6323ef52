package io.bowline.proxy.outbound;

import io.bowline.proxy.http1.Http1Request;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Locale;
import java.util.Set;

/**
 * The connection manager's {@code upgrade_configs} as Istio's sidecar and gateway listeners set them
 * ({@code [{upgrade_type: websocket}]}): an HTTP/1.1 request asking for another upgrade, or a
 * {@code CONNECT} (upgrade type {@code CONNECT}, which Istio does not configure), is rejected as
 * Envoy's connection manager rejects an upgrade no filter chain accepts: {@code 403} with an empty body,
 * response code details {@code upgrade_failed}. {@code Upgrade: h2c} is not an upgrade here: Envoy's
 * HTTP/1 codec strips it and serves the request over HTTP/1.1.
 */
final class UpgradeConfigs {
  /** Envoy's response code details for a rejected upgrade. */
  static final String UPGRADE_FAILED = "upgrade_failed";
  private static final Set<String> ALLOWED = Set.of("websocket");

  private UpgradeConfigs() {}

  /** Whether {@code r} asks for an upgrade (or {@code CONNECT}) that no upgrade config allows. */
  static boolean rejected(HttpRequest r, boolean http2) {
    if (r.method().equals(HttpMethod.CONNECT)) {
      return true;
    }
    if (http2) {
      return false;
    }
    String upgrade = Http1Request.header(r, "upgrade");
    if (upgrade == null || !r.headers().containsValue(HttpHeaderNames.CONNECTION, "upgrade", true)) {
      return false;
    }
    String type = upgrade.trim().toLowerCase(Locale.ROOT);
    return !type.equals("h2c") && !ALLOWED.contains(type);
  }
}
