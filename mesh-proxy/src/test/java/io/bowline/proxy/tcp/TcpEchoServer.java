package io.bowline.proxy.tcp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Istio's tcp-echo server on loopback: each line a connection sends comes back prefixed with the server's
 * name and a space ({@code hello} → {@code one hello}). Counts the connections it accepted.
 */
final class TcpEchoServer implements AutoCloseable {
  private final ServerSocket socket;
  private final String prefix;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "tcp-echo");
    t.setDaemon(true);
    return t;
  });
  private final AtomicInteger accepted = new AtomicInteger();

  TcpEchoServer(String prefix) throws IOException {
    this.prefix = prefix;
    this.socket = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    threads.execute(this::acceptLoop);
  }

  int port() {
    return socket.getLocalPort();
  }

  int accepted() {
    return accepted.get();
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        accepted.incrementAndGet();
        threads.execute(() -> echo(s));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void echo(Socket s) {
    try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
      OutputStream out = s.getOutputStream();
      String line;
      while ((line = in.readLine()) != null) {
        out.write((prefix + " " + line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (IOException gone) {
      // the client went away
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
    threads.shutdownNow();
  }
}
