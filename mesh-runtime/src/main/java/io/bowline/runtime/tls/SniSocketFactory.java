package io.bowline.runtime.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Client sockets that send the cluster's {@code sni} as the TLS server name, whatever address they connect to
 * (the mesh connects to endpoint IPs, for which the JDK would send none). Istio's SNI
 * ({@code outbound_.9080_._.reviews.default.svc.cluster.local}) has underscores: not a host name (RFC 6066
 * asks for one), and a JDK server answers such a server name with an {@code illegal_parameter} alert, so a
 * name the JDK does not accept as {@link SNIHostName} is not sent (Envoy sends it; proxyless gRPC ignores
 * {@code sni} altogether).
 */
final class SniSocketFactory extends SSLSocketFactory {
  /** The current context's factory, read per socket (the handle replaces its context when the certificate rotates). */
  private final java.util.function.Supplier<SSLSocketFactory> delegate;
  private final List<SNIServerName> serverNames;

  SniSocketFactory(java.util.function.Supplier<SSLSocketFactory> delegate, String sni) {
    this.delegate = delegate;
    this.serverNames = isHostName(sni) ? List.of(new SNIHostName(sni)) : List.of();
  }

  /** Whether {@code sni} can be sent: a host name the JDK accepts (letters, digits, hyphens, dots). */
  static boolean isHostName(String sni) {
    if (sni.isEmpty()) {
      return false;
    }
    try {
      new SNIHostName(sni);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private Socket withSni(Socket socket) {
    if (!serverNames.isEmpty() && socket instanceof SSLSocket ssl) {
      SSLParameters p = ssl.getSSLParameters();
      p.setServerNames(serverNames);
      ssl.setSSLParameters(p);
    }
    return socket;
  }

  @Override
  public String[] getDefaultCipherSuites() {
    return delegate.get().getDefaultCipherSuites();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return delegate.get().getSupportedCipherSuites();
  }

  @Override
  public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
    return withSni(delegate.get().createSocket(s, host, port, autoClose));
  }

  @Override
  public Socket createSocket() throws IOException {
    return withSni(delegate.get().createSocket());
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return withSni(delegate.get().createSocket(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    return withSni(delegate.get().createSocket(host, port, localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return withSni(delegate.get().createSocket(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return withSni(delegate.get().createSocket(address, port, localAddress, localPort));
  }
}
