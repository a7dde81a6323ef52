package io.bowline.proxy.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.bowline.proxy.IstioMesh;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log of an HTTP exchange through the proxy's outbound listener (meshConfig's {@code accessLogFile},
 * Istio's default format) prints the downstream connection's addresses, as Envoy does:
 * {@code %DOWNSTREAM_LOCAL_ADDRESS%} the listener's {@code address:port} the client connected to,
 * {@code %DOWNSTREAM_REMOTE_ADDRESS%} the client's.
 */
class ProxyAccessLogTest {
  private static final String HOST = "ratings.default.svc.cluster.local:9080";

  @TempDir
  Path dir;

  @Test
  void anExchangesLinePrintsTheDownstreamConnectionsLocalAndRemoteAddresses() throws Exception {
    HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/", exchange -> {
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    upstream.start();
    Path log = dir.resolve("access.log");
    String yaml = IstioMesh.service("ratings", 9080, "HTTP", Map.of("v1", upstream.getAddress().getPort()))
        + IstioMesh.accessLogFile(log);
    try (IstioMesh mesh = new IstioMesh(yaml)) {
      int port = mesh.proxy().outboundPort();
      int[] clientPort = new int[1];
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        try (Socket s = new Socket("127.0.0.1", port)) {
          clientPort[0] = s.getLocalPort();
          assertThat(get(s)).startsWith("HTTP/1.1 200");
        }
      });
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(lines(log))
          .anySatisfy(line -> assertThat(line).as("Istio's default format")
              .startsWith("[").contains("\"GET /ratings/1 HTTP/1.1\" 200 - via_upstream ")
              .contains(" 127.0.0.1:" + port + " 127.0.0.1:" + clientPort[0] + " - ")));
    } finally {
      upstream.stop(0);
    }
  }

  private static List<String> lines(Path log) throws Exception {
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  private static String get(Socket s) throws Exception {
    OutputStream out = s.getOutputStream();
    out.write(("GET /ratings/1 HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = s.getInputStream();
    return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
  }
}
