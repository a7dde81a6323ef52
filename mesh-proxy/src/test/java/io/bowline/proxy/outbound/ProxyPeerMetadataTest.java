package io.bowline.proxy.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.sun.net.httpserver.HttpServer;
import io.bowline.proxy.IstioMesh;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Istio's peer metadata exchange through the proxy's outbound listener: the request goes upstream with this
 * workload's {@code x-envoy-peer-metadata} and {@code x-envoy-peer-metadata-id}, set over any the application
 * sent (Envoy's set, not an append), as the constant field lines the proxy copies into the upstream head.
 */
class ProxyPeerMetadataTest {
  private static final String HOST = "reviews.default.svc.cluster.local:9080";

  @Test
  void theApplicationsPeerMetadataIsReplacedByTheWorkloadsOneValueEach() throws Exception {
    List<Map<String, List<String>>> seen = new CopyOnWriteArrayList<>();
    HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/", exchange -> {
      seen.add(Map.of("metadata", exchange.getRequestHeaders().getOrDefault("x-envoy-peer-metadata", List.of()),
          "id", exchange.getRequestHeaders().getOrDefault("x-envoy-peer-metadata-id", List.of())));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    upstream.start();
    // a mesh-internal service: its outbound listener carries istio.metadata_exchange
    String yaml = IstioMesh.service("reviews", 9080, "HTTP", Map.of("v1", upstream.getAddress().getPort()))
        .replace("  resolution: STATIC", "  location: MESH_INTERNAL\n  resolution: STATIC");
    try (IstioMesh mesh = new IstioMesh(yaml)) {
      int port = mesh.proxy().outboundPort();
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(get(port)).startsWith("HTTP/1.1 200"));

      Map<String, List<String>> last = seen.get(seen.size() - 1);
      assertThat(last.get("metadata")).hasSize(1).doesNotContain("forged");
      Struct metadata = Struct.parseFrom(Base64.getDecoder().decode(last.get("metadata").get(0)));
      assertThat(metadata.getFieldsMap().get("WORKLOAD_NAME").getStringValue()).isEqualTo("sleep");
      assertThat(last.get("id")).hasSize(1).doesNotContain("forged-id");
      assertThat(last.get("id").get(0)).contains("sleep.default");
    } finally {
      upstream.stop(0);
    }
  }

  private static String get(int port) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      OutputStream out = s.getOutputStream();
      out.write(("GET /p HTTP/1.1\r\nHost: " + HOST + "\r\nX-Envoy-Peer-Metadata: forged\r\n"
          + "x-envoy-peer-metadata-id: forged-id\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }
}
