package io.bowline.spring.http;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Real HTTP backends on loopback for the starter's tests: each answers every request with its
 * version as the body, the {@code Host} it received in {@code x-seen-host}, the {@code x-request-id}
 * and {@code traceparent} it received in {@code x-seen-headers}, and the request body's
 * length in {@code x-seen-body}.
 */
final class Backends implements AutoCloseable {
  private final List<HttpServer> servers = new ArrayList<>();
  private final ExecutorService executor = Executors.newFixedThreadPool(8);

  /** Starts one backend answering {@code version}; returns its port. */
  int start(String version) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    server.createContext("/", exchange -> {
      try (InputStream in = exchange.getRequestBody()) {
        int length = in.readAllBytes().length;
        byte[] body = version.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("x-seen-host", exchange.getRequestHeaders().getFirst("Host"));
        exchange.getResponseHeaders().add("x-seen-body", Integer.toString(length));
        exchange.getResponseHeaders().add("x-seen-headers", "x-request-id=" + exchange.getRequestHeaders().getFirst("x-request-id")
            + " traceparent=" + exchange.getRequestHeaders().getFirst("traceparent"));
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
      } finally {
        exchange.close();
      }
    });
    server.setExecutor(executor);
    server.start();
    servers.add(server);
    return server.getAddress().getPort();
  }

  /** A ServiceEntry for {@code reviews.default.svc.cluster.local:9080} and one WorkloadEntry per version. */
  static String reviews(int v1Port, int v2Port) {
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: reviews, namespace: default}
        spec:
          hosts: [reviews.default.svc.cluster.local]
          ports: [{number: 9080, name: http, protocol: HTTP}]
          location: MESH_INTERNAL
          resolution: STATIC
          workloadSelector: {labels: {app: reviews}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: reviews-v1, namespace: default}
        spec:
          address: 127.0.0.1
          ports: {http: %d}
          labels: {app: reviews, version: v1}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: reviews-v2, namespace: default}
        spec:
          address: 127.0.0.1
          ports: {http: %d}
          labels: {app: reviews, version: v2}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: default}
        spec:
          host: reviews.default.svc.cluster.local
          subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v2, labels: {version: v2}}
        """.formatted(v1Port, v2Port);
  }

  /** A VirtualService for reviews whose {@code http} list is {@code http}. */
  static String virtualService(String http) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: default}
        spec:
          hosts: [reviews.default.svc.cluster.local]
          http:
        """ + http.indent(2);
  }

  @Override
  public void close() {
    servers.forEach(s -> s.stop(0));
    executor.shutdownNow();
  }
}
