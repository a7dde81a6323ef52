package io.bowline.proxy.http1;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP/1.1 upstream on a raw server socket that answers each request with the bytes scripted
 * for its path, exactly as given (well-formed or not), keeping the connection open for the next
 * request unless the script says to close it. Logs the request line of every request it reads.
 */
final class ScriptedUpstream implements AutoCloseable {
  /** What to answer: {@code bytes} (ISO-8859-1), then close the connection when {@code close}. */
  record Script(String bytes, boolean close) {}

  private final ServerSocket server;
  private final Map<String, Script> scripts = new ConcurrentHashMap<>();
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  ScriptedUpstream() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "scripted-upstream");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return server.getLocalPort();
  }

  void script(String path, String bytes, boolean close) {
    scripts.put(path, new Script(bytes, close));
  }

  /** The request lines received, in order. */
  List<String> received() {
    return log;
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        sockets.add(s);
        Thread t = new Thread(() -> serve(s), "scripted-upstream-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
      while (true) {
        String head = readHead(in);
        if (head == null) {
          return;
        }
        String line = head.substring(0, head.indexOf("\r\n"));
        log.add(line);
        String path = line.split(" ")[1];
        Script script = scripts.getOrDefault(path, new Script("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", false));
        out.write(script.bytes().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        if (script.close()) {
          return;
        }
      }
    } catch (IOException e) {
      // the proxy closed the connection
    }
  }

  /** A request head up to its empty line (requests here have no body), or null at the end of the stream. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    for (int b; (b = in.read()) >= 0; ) {
      head.write(b);
      matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
      if (matched == 4) {
        return head.toString(StandardCharsets.ISO_8859_1);
      }
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
