package io.bowline.runtime.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A real HTTP server on loopback that answers every request with its own name and echoes the
 * Host header it received in {@code x-seen-host} (and {@code x-seen-authority}), the raw path in
 * {@code x-seen-path}, each {@code x-*} request header in {@code x-seen-<name>}, and its name in
 * {@code x-backend}.
 */
public final class NamedHttpServer implements AutoCloseable {
  private final HttpServer server;
  private final String name;

  public NamedHttpServer(String name) throws IOException {
    this.name = name;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      byte[] body = name.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("x-seen-host", String.valueOf(exchange.getRequestHeaders().getFirst("Host")));
      exchange.getResponseHeaders().add("x-backend", name);
      exchange.getResponseHeaders().add("x-seen-authority", String.valueOf(exchange.getRequestHeaders().getFirst("Host")));
      exchange.getResponseHeaders().add("x-seen-path", exchange.getRequestURI().getRawPath()
          + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()));
      exchange.getRequestHeaders().forEach((k, v) -> {
        String lower = k.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("x-")) {
          exchange.getResponseHeaders().add("x-seen-" + lower, String.join(",", v));
        }
      });
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "backend-" + name);
      t.setDaemon(true);
      return t;
    }));
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String name() {
    return name;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
