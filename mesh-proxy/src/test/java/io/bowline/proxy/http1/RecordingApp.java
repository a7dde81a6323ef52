package io.bowline.proxy.http1;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The application behind the proxy in the hardening tests: logs every request it receives (method,
 * path, body length) and answers 200 {@code ok}.
 */
final class RecordingApp implements AutoCloseable {
  private final HttpServer server;
  private final List<String> log = new CopyOnWriteArrayList<>();

  RecordingApp() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      log.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + body.length);
      byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, ok.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(ok);
      }
    });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** What the application has received, one line per request. */
  List<String> received() {
    return log;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
