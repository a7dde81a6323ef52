package io.bowline.proxy.outbound;

import java.util.Locale;

/**
 * Where a request goes, from its request target (RFC 9112 §3.2): the absolute-form
 * {@code http://host:port/path} an application sends to an HTTP proxy, or the origin-form
 * {@code /path} with the destination in {@code Host}.
 *
 * @param host the destination host as written (IPv6 without brackets), lower case
 * @param port the destination port (80 when absent)
 * @param authority the authority as written ({@code :authority})
 * @param path the path and query
 */
record Target(String host, int port, String authority, String path) {

  /** Thrown for a target or {@code Host} the proxy cannot route, with the status to answer. */
  static final class Invalid extends Exception {
    final int status;

    Invalid(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  /**
   * @param uri the request target
   * @param hostHeader the {@code Host} header, or {@code null}
   * @throws Invalid when neither names a destination, or the target is not http
   */
  static Target of(String uri, String hostHeader) throws Invalid {
    if (uri.startsWith("/")) {
      if (hostHeader == null || hostHeader.isEmpty()) {
        throw new Invalid(400, "no Host header for an origin-form request target");
      }
      return parse(hostHeader, uri);
    }
    int colon = uri.indexOf("://");
    if (colon <= 0) {
      throw new Invalid(400, "request target is neither origin-form nor absolute-form");
    }
    String scheme = uri.substring(0, colon).toLowerCase(Locale.ROOT);
    if (!scheme.equals("http")) {
      throw new Invalid(501, "absolute-form target with scheme " + scheme + " is not proxied (only http)");
    }
    int start = colon + 3;
    int end = start;
    while (end < uri.length() && uri.charAt(end) != '/' && uri.charAt(end) != '?') {
      end++;
    }
    String path = end == uri.length() ? "/" : uri.charAt(end) == '?' ? "/" + uri.substring(end) : uri.substring(end);
    return parse(uri.substring(start, end), path);
  }

  private static Target parse(String authority, String path) throws Invalid {
    if (authority.isEmpty() || authority.indexOf('@') >= 0) {
      throw new Invalid(400, "invalid authority '" + authority + "'");
    }
    String host;
    String portText = null;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        throw new Invalid(400, "invalid authority '" + authority + "'");
      }
      host = authority.substring(1, close);
      if (close + 1 < authority.length()) {
        if (authority.charAt(close + 1) != ':') {
          throw new Invalid(400, "invalid authority '" + authority + "'");
        }
        portText = authority.substring(close + 2);
      }
    } else {
      int c = authority.lastIndexOf(':');
      host = c < 0 ? authority : authority.substring(0, c);
      portText = c < 0 ? null : authority.substring(c + 1);
    }
    int port = 80;
    if (portText != null) {
      if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
        throw new Invalid(400, "invalid port in authority '" + authority + "'");
      }
      port = Integer.parseInt(portText);
      if (port == 0 || port > 65535) {
        throw new Invalid(400, "invalid port in authority '" + authority + "'");
      }
    }
    if (host.isEmpty()) {
      throw new Invalid(400, "invalid authority '" + authority + "'");
    }
    return new Target(host.toLowerCase(Locale.ROOT), port, authority, path);
  }
}
