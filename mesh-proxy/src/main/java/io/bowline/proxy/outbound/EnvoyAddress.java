package io.bowline.proxy.outbound;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * A socket address as Envoy's access log prints an IP address with its port ({@code %DOWNSTREAM_REMOTE_ADDRESS%},
 * {@code %DOWNSTREAM_LOCAL_ADDRESS%}): {@code 10.0.0.7:43120}, an IPv6 address in brackets
 * ({@code [::1]:43120}).
 */
public final class EnvoyAddress {
  private EnvoyAddress() {}

  /**
   * @param a a socket address, or {@code null}
   * @return its {@code address:port} form; another kind of address's {@code toString()}; {@code null} for null
   */
  public static String of(SocketAddress a) {
    if (a instanceof InetSocketAddress i) {
      String host = i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + i.getPort();
    }
    return a == null ? null : a.toString();
  }
}
