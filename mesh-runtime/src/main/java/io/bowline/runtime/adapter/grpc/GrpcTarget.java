package io.bowline.runtime.adapter.grpc;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A gRPC target as grpc-java users write it, reduced to the {@code host:port} the mesh routes by
 * (the outbound listener's name and the calls' {@code :authority}): {@code host:port},
 * {@code xds:///host:port} (grpc-java's xDS name resolver; gRFC A27) or {@code dns:///host:port}.
 * IPv6 hosts are bracketed ({@code [::1]:8080}).
 */
final class GrpcTarget {
  private static final Pattern SCHEME = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*)://([^/]*)/(.*)$");
  private static final Pattern HOST = Pattern.compile("^(\\[[0-9a-fA-F:.%\\w]+]|[A-Za-z0-9_.-]+)$");

  private GrpcTarget() {}

  /**
   * The {@code host:port} of {@code target}.
   *
   * @throws IllegalArgumentException naming the target and what is wrong: empty, an unknown scheme, a
   *     scheme authority (xDS federation, a DNS server), no port or a port outside 1–65535
   */
  static String authority(String target) {
    if (target == null || target.isBlank()) {
      throw new IllegalArgumentException("gRPC target must not be empty; expected host:port or xds:///host:port");
    }
    String endpoint = target;
    if (target.contains("://")) {
      Matcher m = SCHEME.matcher(target);
      if (!m.matches()) {
        throw invalid(target, "expected scheme:///host:port");
      }
      String scheme = m.group(1).toLowerCase(Locale.ROOT);
      if (!scheme.equals("xds") && !scheme.equals("dns")) {
        throw invalid(target, "scheme '" + m.group(1) + "' is not supported; use host:port, xds:///host:port or dns:///host:port");
      }
      if (!m.group(2).isEmpty()) {
        throw invalid(target, scheme.equals("xds")
            ? "xDS authorities (federation, xds://authority/...) are not supported; use xds:///host:port"
            : "a DNS server authority is not supported; use dns:///host:port");
      }
      endpoint = m.group(3);
    }
    int colon = endpoint.lastIndexOf(':');
    if (colon < 0 || endpoint.indexOf(']') > colon) {
      throw invalid(target, "a port is required (host:port)");
    }
    String host = endpoint.substring(0, colon);
    String port = endpoint.substring(colon + 1);
    if (host.isEmpty() || !HOST.matcher(host).matches()) {
      throw invalid(target, "'" + host + "' is not a host name or address");
    }
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw invalid(target, "port '" + port + "' is not a number");
    }
    if (p < 1 || p > 65535) {
      throw invalid(target, "port " + p + " is outside 1-65535");
    }
    return host + ":" + p;
  }

  private static IllegalArgumentException invalid(String target, String problem) {
    return new IllegalArgumentException("gRPC target '" + target + "': " + problem);
  }
}
