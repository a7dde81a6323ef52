package io.bowline.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bowline.proxy.IstioMesh;
import io.bowline.runtime.testing.PrometheusText;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's TCP metrics of the proxy's outbound TCP listeners ({@code tcp_proxy}), read from the admin port's
 * {@code /stats/prometheus} by the Python Prometheus client's parser: {@code istio_tcp_connections_opened_total},
 * {@code istio_tcp_connections_closed_total}, {@code istio_tcp_received_bytes_total} (bytes from the downstream, the
 * request direction) and {@code istio_tcp_sent_bytes_total} (bytes to the downstream, the response direction), with
 * Istio's TCP labels ({@code reporter="source"}, {@code request_protocol="tcp"}, {@code response_flags},
 * {@code connection_security_policy="unknown"} on the source side); a refused connect counts opened and closed with
 * {@code UF}. With meshConfig's {@code accessLogFile}, the control plane puts the access log on the
 * {@code tcp_proxy} filters as istiod does, and each connection gets a line in Istio's default format when it
 * closes, with Envoy's TCP values.
 */
class TcpMetricsThroughProxyTest {
  private static final String ECHO = "tcp-echo.default.svc.cluster.local";
  private static final String REFUSED = "tcp-refused.default.svc.cluster.local";

  private TcpEchoServer echo;
  private IstioMesh istio;
  private int closedPort;

  @TempDir
  Path dir;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(PrometheusText.available(), PrometheusText.MISSING);
    echo = new TcpEchoServer("one");
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    istio = new IstioMesh(IstioMesh.service("tcp-echo", 9000, "TCP", Map.of("v1", echo.port()))
        + IstioMesh.service("tcp-refused", 9200, "TCP", Map.of("v1", closedPort))
        + IstioMesh.accessLogFile(dir.resolve("access.log")), b -> b.admin(0));
  }

  @AfterEach
  void stop() throws Exception {
    if (istio != null) {
      istio.close();
    }
    if (echo != null) {
      echo.close();
    }
  }

  private List<PrometheusText.Sample> scrape() throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + istio.proxy().adminPort() + "/stats/prometheus")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return PrometheusText.parse(r.body());
  }

  /** The access log file's lines so far. */
  private List<String> accessLog() throws Exception {
    Path log = dir.resolve("access.log");
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  /** The value of {@code name} for destination service {@code service} and response flags {@code flags}, or 0. */
  private static double value(List<PrometheusText.Sample> samples, String name, String service, String flags) {
    return samples.stream().filter(s -> s.name().equals(name) && service.equals(s.labels().get("destination_service"))
        && flags.equals(s.labels().get("response_flags"))).mapToDouble(PrometheusText.Sample::value).sum();
  }

  @Test
  void aRelayedConnectionCountsOpenedClosedBytesReceivedFromAndSentToTheDownstream() throws Exception {
    int port = istio.proxy().awaitTcpPort(9000, Duration.ofSeconds(20));
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8)); // 6 bytes in
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      assertThat(in.readLine()).isEqualTo("one hello"); // 10 bytes out
      List<PrometheusText.Sample> open = scrape();
      assertThat(value(open, "istio_tcp_connections_opened_total", ECHO, "-")).isEqualTo(1);
      assertThat(value(open, "istio_tcp_connections_closed_total", ECHO, "-")).isZero();
    }
    await().atMost(20, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(value(scrape(), "istio_tcp_connections_closed_total", ECHO, "-")).isEqualTo(1));
    List<PrometheusText.Sample> samples = scrape();
    assertThat(value(samples, "istio_tcp_connections_opened_total", ECHO, "-")).isEqualTo(1);
    assertThat(value(samples, "istio_tcp_received_bytes_total", ECHO, "-")).isEqualTo(6);
    assertThat(value(samples, "istio_tcp_sent_bytes_total", ECHO, "-")).isEqualTo(10);
    await().atMost(20, TimeUnit.SECONDS).untilAsserted(() -> assertThat(accessLog())
        .anySatisfy(line -> assertThat(line).as("Istio's default format, TCP values").matches(
            "\\[\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z\\] \"- - -\" 0 - - - \"-\" 6 10 \\d+ - \"-\" \"-\" \"-\" \"-\" "
            + "\"127\\.0\\.0\\.1:" + echo.port() + "\" outbound\\|9000\\|\\|" + ECHO.replace(".", "\\.")
            + " - [0-9.]+:\\d+ 127\\.0\\.0\\.1:\\d+ - -")));
    PrometheusText.Sample opened = samples.stream().filter(s -> s.name().equals("istio_tcp_connections_opened_total")
        && ECHO.equals(s.labels().get("destination_service"))).findFirst().orElseThrow();
    assertThat(opened.labels()).containsEntry("reporter", "source").containsEntry("request_protocol", "tcp")
        .containsEntry("connection_security_policy", "unknown").containsEntry("source_workload", "sleep")
        .containsEntry("source_workload_namespace", "default").containsEntry("destination_service_name", "tcp-echo")
        .containsEntry("destination_service_namespace", "default").containsEntry("destination_app", "tcp-echo")
        .containsEntry("destination_version", "v1")
        .containsKeys("source_principal", "source_app", "source_version", "source_cluster", "source_canonical_service",
            "source_canonical_revision", "destination_workload", "destination_workload_namespace",
            "destination_principal", "destination_cluster", "destination_canonical_service",
            "destination_canonical_revision")
        .doesNotContainKeys("response_code", "grpc_response_status");
  }

  @Test
  void aRefusedConnectCountsOpenedAndClosedWithUf() throws Exception {
    int port = istio.proxy().awaitTcpPort(9200, Duration.ofSeconds(20));
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      assertThat(s.getInputStream().read()).isEqualTo(-1); // closed without a byte
    }
    await().atMost(20, TimeUnit.SECONDS).untilAsserted(() -> {
      List<PrometheusText.Sample> samples = scrape();
      assertThat(value(samples, "istio_tcp_connections_opened_total", REFUSED, "UF")).isEqualTo(1);
      assertThat(value(samples, "istio_tcp_connections_closed_total", REFUSED, "UF")).isEqualTo(1);
      assertThat(value(samples, "istio_tcp_connections_opened_total", REFUSED, "-")).isZero();
    });
    await().atMost(20, TimeUnit.SECONDS).untilAsserted(() -> assertThat(accessLog())
        .anySatisfy(line -> assertThat(line).contains("\"- - -\" 0 UF ")
            .contains(" 0 0 ").contains("\"127.0.0.1:" + closedPort + "\" outbound|9200||" + REFUSED + " ")));
  }
}
