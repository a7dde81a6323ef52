package io.bowline.runtime.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Client sockets that send the cluster's {@code sni} as the TLS server name, whatever address they connect to
 * (the mesh connects to endpoint IPs, for which the JDK would send none). Istio's SNI
 * ({@code outbound_.9080_._.reviews.default.svc.cluster.local}) has underscores, which the JDK's
 * {@link SNIHostName} refuses, so such a name is sent as a {@code host_name} entry of its ASCII bytes, as
 * Envoy sends it.
 */
final class SniSocketFactory extends SSLSocketFactory {
  private static final int HOST_NAME = 0; // RFC 6066 NameType host_name
  private final SSLSocketFactory delegate;
  private final List<SNIServerName> serverNames;

  SniSocketFactory(SSLSocketFactory delegate, String sni) {
    this.delegate = delegate;
    this.serverNames = sni.isEmpty() ? List.of() : List.of(serverName(sni));
  }

  static SNIServerName serverName(String sni) {
    try {
      return new SNIHostName(sni);
    } catch (IllegalArgumentException e) {
      return new SNIServerName(HOST_NAME, sni.getBytes(StandardCharsets.US_ASCII)) { };
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
    return delegate.getDefaultCipherSuites();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return delegate.getSupportedCipherSuites();
  }

  @Override
  public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
    return withSni(delegate.createSocket(s, host, port, autoClose));
  }

  @Override
  public Socket createSocket() throws IOException {
    return withSni(delegate.createSocket());
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return withSni(delegate.createSocket(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    return withSni(delegate.createSocket(host, port, localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return withSni(delegate.createSocket(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return withSni(delegate.createSocket(address, port, localAddress, localPort));
  }
}
