package io.bowline.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bowline.proxy.IstioMesh;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Istio's tcp-echo task through the proxy's outbound TCP listener: a Service with a {@code tcp} port, two echo
 * servers (v1 answers "one", v2 "two") and a mesh VirtualService {@code tcp} rule weighting v1 20 and v2 80,
 * served by the local control plane as istiod's sidecar generator serves it ({@code 0.0.0.0_9000},
 * {@code tcp_proxy} with {@code weighted_clusters}). Connections from Java and from Python's socket module
 * are split by the weights; {@code max_connections} ({@code UO}), a refused connect ({@code UF}) and a cluster
 * without a host ({@code UH}) close the connection without a byte, as Envoy's {@code tcp_proxy} does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TcpEchoThroughProxyTest {
  private static final int CONNECTIONS = 400;
  private static final int FROM_PYTHON = 100;
  private static final Path PYTHON = Path.of("/usr/bin/python3");

  private TcpEchoServer one;
  private TcpEchoServer two;
  private TcpEchoServer three;
  private IstioMesh istio;
  private int echoPort;
  private int limitedPort;
  private int refusedPort;
  private int emptyPort;

  @BeforeAll
  void start() throws Exception {
    one = new TcpEchoServer("one");
    two = new TcpEchoServer("two");
    three = new TcpEchoServer("three");
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    istio = new IstioMesh(IstioMesh.service("tcp-echo", 9000, "TCP", Map.of("v1", one.port(), "v2", two.port()))
        + IstioMesh.service("tcp-limited", 9100, "TCP", Map.of("v1", three.port()))
        + IstioMesh.service("tcp-refused", 9200, "TCP", Map.of("v1", closed))
        + IstioMesh.service("tcp-empty", 9300, "TCP", Map.of()) + """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: tcp-echo, namespace: default}
        spec:
          host: tcp-echo.default.svc.cluster.local
          subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: tcp-echo, namespace: default}
        spec:
          hosts: [tcp-echo.default.svc.cluster.local]
          tcp:
          - match: [{port: 9000}]
            route:
            - {destination: {host: tcp-echo.default.svc.cluster.local, port: {number: 9000}, subset: v1}, weight: 20}
            - {destination: {host: tcp-echo.default.svc.cluster.local, port: {number: 9000}, subset: v2}, weight: 80}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: tcp-limited, namespace: default}
        spec:
          host: tcp-limited.default.svc.cluster.local
          trafficPolicy: {connectionPool: {tcp: {maxConnections: 1}}}
        """);
    echoPort = istio.proxy().awaitTcpPort(9000, Duration.ofSeconds(20));
    limitedPort = istio.proxy().awaitTcpPort(9100, Duration.ofSeconds(20));
    refusedPort = istio.proxy().awaitTcpPort(9200, Duration.ofSeconds(20));
    emptyPort = istio.proxy().awaitTcpPort(9300, Duration.ofSeconds(20));
    assertThat(List.of(echoPort, limitedPort, refusedPort, emptyPort)).allMatch(p -> p > 0);
  }

  @AfterAll
  void stop() throws Exception {
    istio.close();
    one.close();
    two.close();
    three.close();
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(10_000);
    return s;
  }

  /** Sends one line on {@code s} and reads the echo's answer ({@code null} when the proxy closed the connection). */
  private static String echo(Socket s, String line) throws IOException {
    s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    s.getOutputStream().flush();
    try {
      return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
    } catch (java.net.SocketException reset) {
      return null;
    }
  }

  /** {@code n} connections from Python's socket module, each sending one line: the first word of each answer. */
  private List<String> fromPython(int port, int n) throws Exception {
    String script = """
        import socket, sys
        for i in range(int(sys.argv[2])):
            data = b""
            try:
                with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as s:
                    s.sendall(b"hello from python\\n")
                    while not data.endswith(b"\\n"):
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
            except ConnectionError:
                pass
            print(data.decode().split(" ")[0] if data else "CLOSED")
        """;
    Process p = new ProcessBuilder(PYTHON.toString(), "-c", script, String.valueOf(port), String.valueOf(n))
        .redirectErrorStream(true).start();
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("python finished").isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    return out.lines().toList();
  }

  @Test
  void connectionsAreSplitTwentyEightyWithin4Point5SigmaFromJavaAndPython() throws Exception {
    assumeTrue(Files.isExecutable(PYTHON), "no " + PYTHON);
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < CONNECTIONS - FROM_PYTHON; i++) {
      try (Socket s = connect(echoPort)) {
        String answer = echo(s, "hello " + i);
        assertThat(answer).endsWith(" hello " + i);
        seen.merge(answer.substring(0, answer.indexOf(' ')), 1, Integer::sum);
      }
    }
    for (String first : fromPython(echoPort, FROM_PYTHON)) {
      seen.merge(first, 1, Integer::sum);
    }
    assertThat(seen.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(CONNECTIONS);
    IstioMesh.assertSplit(seen, "one", "two", 0.2);
  }

  @Test
  void bytesFlowBothWaysForTheConnectionsLifetime() throws Exception {
    try (Socket s = connect(echoPort)) {
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String server = null;
      for (int i = 0; i < 50; i++) {
        s.getOutputStream().write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
        String answer = in.readLine();
        assertThat(answer).endsWith(" line " + i);
        String prefix = answer.substring(0, answer.indexOf(' '));
        assertThat(server == null || server.equals(prefix)).as("one upstream per connection").isTrue();
        server = prefix;
      }
    }
  }

  @Test
  void overMaxConnectionsTheConnectionIsClosedWithoutAByte() throws Exception {
    try (Socket held = connect(limitedPort)) {
      assertThat(echo(held, "first")).isEqualTo("three first");
      try (Socket over = connect(limitedPort)) {
        assertThat(echo(over, "second")).as("UO: closed").isNull();
      }
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      try (Socket again = connect(limitedPort)) {
        assertThat(echo(again, "third")).isEqualTo("three third");
      }
    });
  }

  @Test
  void aRefusedConnectAndAClusterWithoutHostsCloseTheConnection() throws Exception {
    try (Socket refused = connect(refusedPort)) {
      assertThat(echo(refused, "anyone?")).as("UF: closed").isNull();
    }
    try (Socket empty = connect(emptyPort)) {
      assertThat(echo(empty, "anyone?")).as("UH: closed").isNull();
    }
    assertThat(fromPython(refusedPort, 1)).containsExactly("CLOSED");
  }
}
