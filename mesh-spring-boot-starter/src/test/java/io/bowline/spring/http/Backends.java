package io.bowline.spring.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * Real HTTP backends on loopback for the starter's tests: each answers every request with its
 * version as the body, the {@code Host} it received in {@code x-seen-host}, the {@code x-request-id}
 * and {@code traceparent} it received in {@code x-seen-headers}, and the request body's
 * length in {@code x-seen-body}.
 */
public final class Backends implements AutoCloseable {
  private final List<HttpServer> servers = new ArrayList<>();
  private final ExecutorService executor = Executors.newFixedThreadPool(8);

  /** Starts one backend answering {@code version}; returns its port. */
  public int start(String version) throws IOException {
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
  public static String reviews(int v1Port, int v2Port) {
    return service("reviews", 9080, "HTTP", v1Port, v2Port);
  }

  /**
   * A ServiceEntry for {@code <name>.default.svc.cluster.local:<port>} speaking {@code protocol}
   * (HTTP, GRPC), one WorkloadEntry per version and a DestinationRule with subsets v1 and v2.
   */
  public static String service(String name, int port, String protocol, int v1Port, int v2Port) {
    String portName = protocol.toLowerCase(java.util.Locale.ROOT);
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: _SVC_, namespace: default}
        spec:
          hosts: [_SVC_.default.svc.cluster.local]
          ports: [{number: _PORT_, name: _PN_, protocol: _PROTO_}]
          location: MESH_INTERNAL
          resolution: STATIC
          workloadSelector: {labels: {app: _SVC_}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: _SVC_-v1, namespace: default}
        spec:
          address: 127.0.0.1
          ports: {_PN_: _V1_}
          labels: {app: _SVC_, version: v1}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: _SVC_-v2, namespace: default}
        spec:
          address: 127.0.0.1
          ports: {_PN_: _V2_}
          labels: {app: _SVC_, version: v2}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: _SVC_, namespace: default}
        spec:
          host: _SVC_.default.svc.cluster.local
          subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v2, labels: {version: v2}}
        """.replace("_SVC_", name).replace("_PN_", portName).replace("_PROTO_", protocol).replace("_PORT_", Integer.toString(port))
        .replace("_V1_", Integer.toString(v1Port)).replace("_V2_", Integer.toString(v2Port));
  }

  /** A VirtualService for reviews whose {@code http} list is {@code http}. */
  public static String virtualService(String http) {
    return virtualService("reviews", http);
  }

  /** A VirtualService for {@code <name>.default.svc.cluster.local} whose {@code http} list is {@code http}. */
  public static String virtualService(String name, String http) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: _SVC_, namespace: default}
        spec:
          hosts: [_SVC_.default.svc.cluster.local]
          http:
        """.replace("_SVC_", name) + http.indent(2);
  }

  /** The {@code http} routes of a VirtualService sending everything to subset v1 of {@code <name>}. */
  public static String allToV1(String name) {
    return """
        - route:
          - destination: {host: _SVC_.default.svc.cluster.local, subset: v1}
        """.replace("_SVC_", name);
  }

  /** The {@code http} routes of a VirtualService splitting {@code <name>} between v1 and v2 by weight. */
  public static String split(String name, int v1Weight, int v2Weight) {
    return """
        - route:
          - destination: {host: _SVC_.default.svc.cluster.local, subset: v1}
            weight: _W1_
          - destination: {host: _SVC_.default.svc.cluster.local, subset: v2}
            weight: _W2_
        """.replace("_SVC_", name).replace("_W1_", Integer.toString(v1Weight)).replace("_W2_", Integer.toString(v2Weight));
  }

  /** The {@code http} routes of a VirtualService sending {@code end-user: jason} to v2 of {@code <name>}, others to v1. */
  public static String jasonToV2(String name) {
    return """
        - match:
          - headers:
              end-user: {exact: jason}
          route:
          - destination: {host: _SVC_.default.svc.cluster.local, subset: v2}
        """.replace("_SVC_", name) + allToV1(name);
  }

  /** The {@code http} routes of a VirtualService aborting every call to {@code <name>} with 503 (Envoy's fault filter). */
  public static String abortAll(String name) {
    return """
        - fault:
            abort:
              httpStatus: 503
              percentage: {value: 100}
          route:
          - destination: {host: _SVC_.default.svc.cluster.local, subset: v1}
        """.replace("_SVC_", name);
  }

  /**
   * Makes {@code n} calls and checks that the share answered by v2 is within 4.5 sigma of
   * {@code p} (a binomial count).
   *
   * @param call makes one call, checks it succeeded, and says whether v2 answered
   */
  public static void assertV2Share(int n, double p, BooleanSupplier call) {
    double sigma = Math.sqrt(n * p * (1 - p));
    int v2 = 0;
    for (int i = 0; i < n; i++) {
      if (call.getAsBoolean()) {
        v2++;
      }
    }
    assertThat((double) v2).as("v2 answers of %d", n).isBetween(n * p - 4.5 * sigma, n * p + 4.5 * sigma);
  }

  @Override
  public void close() {
    servers.forEach(s -> s.stop(0));
    executor.shutdownNow();
  }
}
