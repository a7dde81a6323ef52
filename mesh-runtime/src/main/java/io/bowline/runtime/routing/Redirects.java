package io.bowline.runtime.routing;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.RouteAction;
import java.util.Map;

/**
 * Envoy {@code RedirectAction}: builds the 3xx local reply whose {@code location} is the request
 * URL with scheme, host, port and path replaced as configured. The redirect is returned to the
 * caller, never followed. Switching scheme drops a port that was the old scheme's default.
 */
final class Redirects {
  private Redirects() {}

  static RouteDecision.LocalReply reply(RouteAction.Redirect r, PathRewriter rewrite, MeshRequest request) {
    String scheme = r.scheme() != null ? r.scheme() : request.scheme();
    String host = r.host() != null ? r.host() : request.authority();
    if (r.port() > 0) {
      host = hostOnly(host) + ":" + r.port();
    } else if (!scheme.equals(request.scheme())) {
      String port = portOf(host);
      if (port != null && port.equals(request.scheme().equals("https") ? "443" : "80")) {
        host = hostOnly(host);
      }
    }
    String original = request.path();
    int q = PathRewriter.pathLength(original);
    String path;
    String query = q < original.length() ? original.substring(q) : "";
    if (r.path() != null) {
      path = r.path();
      if (path.indexOf('?') >= 0) {
        query = "";
      }
    } else if (rewrite != null) {
      String rewritten = rewrite.rewrite(original);
      int rq = PathRewriter.pathLength(rewritten);
      path = rewritten.substring(0, rq);
    } else {
      path = original.substring(0, q);
    }
    if (r.stripQuery()) {
      query = "";
    }
    String location = scheme + "://" + host + path + query;
    return new RouteDecision.LocalReply(r.responseCode(), "", "", Map.of("location", location));
  }

  static String hostOnly(String authority) {
    String port = portOf(authority);
    return port == null ? authority : authority.substring(0, authority.length() - port.length() - 1);
  }

  private static String portOf(String authority) {
    int colon = authority.lastIndexOf(':');
    if (colon < 0 || authority.indexOf(']') > colon) {
      return null;
    }
    for (int i = colon + 1; i < authority.length(); i++) {
      if (!Character.isDigit(authority.charAt(i))) {
        return null;
      }
    }
    return colon + 1 < authority.length() ? authority.substring(colon + 1) : null;
  }
}
