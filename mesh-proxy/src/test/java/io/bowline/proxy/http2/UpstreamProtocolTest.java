package io.bowline.proxy.http2;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.bowline.proxy.IstioMesh;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The service port's protocol picks the upstream protocol, as istiod writes it into the cluster
 * ({@code typed_extension_protocol_options} {@code envoy.extensions.upstreams.http.v3.HttpProtocolOptions}):
 * a {@code HTTP2}/{@code GRPC} port is spoken to in HTTP/2 whatever the client speaks, an {@code HTTP} port in
 * HTTP/1.1, and a port of no known protocol (Istio sniffs it) in the downstream's protocol. curl is the client;
 * the upstreams are an h2c-only Netty server and the JDK's HTTP/1.1-only server.
 */
class UpstreamProtocolTest {
  private static H2cOnlyServer h2only;
  private static HttpServer http1only;
  private static IstioMesh istio;

  @BeforeAll
  static void start() throws Exception {
    h2only = new H2cOnlyServer();
    http1only = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http1only.createContext("/", exchange -> {
      byte[] body = ("http/1.1 " + exchange.getProtocol() + " " + exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    http1only.start();
    istio = new IstioMesh(IstioMesh.service("h2only", 8080, "HTTP2", Map.of("v1", h2only.port()))
        + IstioMesh.service("grpcport", 8081, "GRPC", Map.of("v1", h2only.port()))
        + IstioMesh.service("http1only", 8082, "HTTP", Map.of("v1", http1only.getAddress().getPort()))
        + """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: sniffed, namespace: default}
        spec:
          hosts: [sniffed.default.svc.cluster.local]
          ports: [{number: 8083, name: web}]
          resolution: STATIC
          workloadSelector: {labels: {app: sniffed}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: sniffed-v1, namespace: default}
        spec: {address: 127.0.0.1, ports: {web: %d}, labels: {app: sniffed, version: v1}}
        """.formatted(h2only.port()));
  }

  @AfterAll
  static void stop() throws Exception {
    istio.close();
    http1only.stop(0);
    h2only.close();
  }

  private static String curl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-S", "--max-time", "10", "--noproxy", "",
        "-w", "\n%{http_code} %{http_version}"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  private static String proxy() {
    return "http://127.0.0.1:" + istio.proxy().outboundPort();
  }

  @Test
  void anHttp11ClientOfAnHttp2PortIsSpokenToInH2c() throws Exception {
    String out = curl("--http1.1", "-x", proxy(), "--data-binary", "hello", "http://h2only.default.svc.cluster.local:8080/a");

    assertThat(out).isEqualTo("h2 POST /a 5\n200 1.1");
    assertThat(h2only.seen()).anySatisfy(s -> {
      assertThat(s.path()).isEqualTo("/a");
      assertThat(s.authority()).isEqualTo("h2only.default.svc.cluster.local:8080");
    });
  }

  @Test
  void aGrpcPortIsHttp2ForAnHttp11ClientInTheHostStyle() throws Exception {
    String out = curl("--http1.1", proxy() + "/b?x=1", "-H", "Host: grpcport.default.svc.cluster.local:8081");

    assertThat(out).isEqualTo("h2 GET /b?x=1 0\n200 1.1");
  }

  @Test
  void anH2cClientOfAnHttpPortIsSpokenToInHttp11() throws Exception {
    String out = curl("--http2-prior-knowledge", proxy() + "/c", "-H", "Host: http1only.default.svc.cluster.local:8082");

    assertThat(out).isEqualTo("http/1.1 HTTP/1.1 /c\n200 2");
  }

  @Test
  void aPortOfNoKnownProtocolUsesTheDownstreamProtocol() throws Exception {
    String h2c = curl("--http2-prior-knowledge", proxy() + "/d", "-H", "Host: sniffed.default.svc.cluster.local:8083");
    String http11 = curl("--http1.1", proxy() + "/d", "-H", "Host: sniffed.default.svc.cluster.local:8083");

    assertThat(h2c).isEqualTo("h2 GET /d 0\n200 2");
    assertThat(http11).endsWith("\n503 1.1"); // HTTP/1.1 to the h2c-only server: the connection is closed
  }
}
