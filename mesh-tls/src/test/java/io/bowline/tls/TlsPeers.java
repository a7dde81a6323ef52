package io.bowline.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A real TLS server on loopback (JDK SSLServerSocket) that requires a client certificate, answers each
 * connection with one byte per byte read, and records what each handshake saw.
 */
final class TlsPeers implements AutoCloseable {

  /** What the server saw of one connection: the client's leaf serial, or the handshake failure. */
  record Accepted(String clientSerial, Exception failure) {
  }

  private final SSLServerSocket server;
  private final Thread acceptor;
  final BlockingQueue<Accepted> accepted = new LinkedBlockingQueue<>();

  TlsPeers(SSLContext context) throws IOException {
    server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    server.setNeedClientAuth(true);
    acceptor = new Thread(this::acceptLoop, "tls-test-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      SSLSocket socket;
      try {
        socket = (SSLSocket) server.accept();
      } catch (IOException e) {
        return;
      }
      Thread echo = new Thread(() -> serve(socket), "tls-test-echo");
      echo.setDaemon(true);
      echo.start();
    }
  }

  private void serve(SSLSocket socket) {
    try (socket) {
      socket.startHandshake();
      X509Certificate peer = (X509Certificate) socket.getSession().getPeerCertificates()[0];
      accepted.add(new Accepted(peer.getSerialNumber().toString(16), null));
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        out.write(b);
        out.flush();
      }
    } catch (IOException e) {
      accepted.add(new Accepted(null, e));
    }
  }

  /** Connects with {@code context}, completes the handshake and returns the socket. */
  static SSLSocket connect(SSLContext context, int port) throws IOException {
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
    socket.setSoTimeout(10_000);
    socket.startHandshake();
    return socket;
  }

  /** The server's leaf serial as {@code socket}'s session saw it. */
  static String serverSerial(SSLSocket socket) throws IOException {
    return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber().toString(16);
  }

  /** Sends one byte and reads the echo. */
  static int roundTrip(SSLSocket socket, int value) throws IOException {
    socket.getOutputStream().write(value);
    socket.getOutputStream().flush();
    return socket.getInputStream().read();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
