package io.bowline.proxy.xds;

import io.bowline.runtime.bootstrap.ServerInfo;
import io.bowline.runtime.xds.XdsTransport;
import io.bowline.runtime.xds.XdsTransportFactory;
import java.net.InetSocketAddress;

/**
 * The proxy's {@link XdsTransportFactory} (registered in {@code META-INF/services}): a {@link NettyXdsTransport}
 * for a plaintext ({@code insecure} channel credentials) server named {@code host:port} or
 * {@code dns:///host:port}. Servers with {@code tls} credentials or another target scheme ({@code unix:},
 * {@code xds:}) are left to grpc-java, which is then loaded.
 */
public final class NettyXdsTransportFactory implements XdsTransportFactory {

  @Override
  public XdsTransport create(ServerInfo server) {
    if (!server.channelCredsType().equals("insecure")) {
      return null;
    }
    InetSocketAddress address = address(server.serverUri());
    return address == null ? null : new NettyXdsTransport(address);
  }

  /**
   * The socket address of a gRPC target {@code host:port}, {@code [v6]:port} or {@code dns:///host:port}
   * (unresolved: resolved at each connect), or null for another form. A target without a port takes
   * gRPC's default, 443.
   */
  static InetSocketAddress address(String target) {
    String t = target.startsWith("dns:///") ? target.substring("dns:///".length()) : target;
    if (t.isEmpty() || t.contains("/") || t.contains("@")) {
      return null;
    }
    String host = t;
    int port = 443;
    int colon = t.lastIndexOf(':');
    int bracket = t.lastIndexOf(']');
    if (t.startsWith("[")) {
      if (bracket < 0) {
        return null;
      }
      host = t.substring(1, bracket);
      colon = colon > bracket ? colon : -1;
    } else if (colon >= 0 && t.indexOf(':') != colon) {
      return null; // a bare IPv6 address needs brackets
    } else if (colon >= 0) {
      host = t.substring(0, colon);
    }
    if (colon >= 0) {
      try {
        port = Integer.parseInt(t.substring(colon + 1));
      } catch (NumberFormatException e) {
        return null;
      }
      if (port < 1 || port > 65535) {
        return null;
      }
    }
    return host.isEmpty() ? null : InetSocketAddress.createUnresolved(host, port);
  }
}
