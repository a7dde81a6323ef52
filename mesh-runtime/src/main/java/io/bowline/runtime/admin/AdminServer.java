package io.bowline.runtime.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@link AdminHandlers} over HTTP/1.1 with the JDK's {@code com.sun.net.httpserver} (two daemon
 * threads), and optionally CSDS over gRPC on a second port: the JDK server speaks no HTTP/2, which gRPC needs.
 * Bind to loopback unless the network is trusted: like Envoy's admin, it shows the whole configuration.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  private static final AtomicInteger SERIAL = new AtomicInteger();
  private final AdminHandlers handlers;
  private final HttpServer http;
  private final ExecutorService executor;
  private final Server csds;

  /**
   * Binds and starts.
   *
   * @param handlers what to serve (closed with this server)
   * @param address where to listen for HTTP, or {@code null} for CSDS only; port 0 picks a free one
   * @param csdsAddress where to listen for CSDS over gRPC (plaintext), or {@code null} for none
   * @throws UncheckedIOException naming the address if a port cannot be bound
   */
  public AdminServer(AdminHandlers handlers, InetSocketAddress address, InetSocketAddress csdsAddress) {
    this.handlers = handlers;
    int n = SERIAL.incrementAndGet();
    try {
      this.http = address == null ? null : HttpServer.create(address, 16);
    } catch (IOException e) {
      handlers.close();
      throw new UncheckedIOException("admin endpoint: cannot listen on " + address + ": " + e.getMessage(), e);
    }
    AtomicInteger threads = new AtomicInteger();
    this.executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "bowline-admin-" + n + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    if (http != null) {
      http.setExecutor(executor);
      http.createContext("/", this::serve);
      http.start();
    }
    Server grpc = null;
    if (csdsAddress != null) {
      try {
        grpc = NettyServerBuilder.forAddress(csdsAddress).addService(handlers.csds()).build().start();
      } catch (IOException e) {
        if (http != null) {
          http.stop(0);
        }
        executor.shutdownNow();
        handlers.close();
        throw new UncheckedIOException("admin CSDS: cannot listen on " + csdsAddress + ": " + e.getMessage(), e);
      }
    }
    this.csds = grpc;
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      AdminResponse r;
      try {
        r = handlers.handle(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
            exchange.getRequestURI().getRawQuery());
      } catch (RuntimeException e) {
        log.warn("admin {} failed", exchange.getRequestURI().getPath(), e);
        r = AdminResponse.text(500, "admin " + exchange.getRequestURI().getPath() + " failed: " + e + "\n");
      }
      exchange.getResponseHeaders().set("Content-Type", r.contentType());
      exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      exchange.getResponseHeaders().set("Cache-Control", "no-cache, max-age=0");
      boolean head = "HEAD".equals(exchange.getRequestMethod());
      exchange.sendResponseHeaders(r.status(), head ? -1 : r.body().length == 0 ? -1 : r.body().length);
      if (!head && r.body().length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(r.body());
        }
      }
    }
  }

  /** Where the HTTP endpoint listens (the bound port when 0 was asked for), or {@code null} for CSDS only. */
  public InetSocketAddress address() {
    return http == null ? null : http.getAddress();
  }

  /** Where CSDS listens, or {@code null} when it was not asked for. */
  public InetSocketAddress csdsAddress() {
    return csds == null ? null : (InetSocketAddress) csds.getListenSockets().get(0);
  }

  /** Stops both listeners and closes the handlers. Idempotent. */
  @Override
  public void close() {
    if (csds != null) {
      csds.shutdownNow();
    }
    if (http != null) {
      http.stop(0);
    }
    executor.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    handlers.close();
  }
}
