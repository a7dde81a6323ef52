package io.bowline.proxy.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import io.bowline.api.MeshClient;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.proxy.BowlineProxy;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A local control plane serving a directory of Istio YAML, loopback applications registered as workloads,
 * and a bowline-proxy in the gateway role for {@code istio-ingressgateway.istio-system} (or another gateway
 * workload) with its listener ports mapped to free ones. Applications answer
 * {@code <name> <path> host=<Host> xfp=<x-forwarded-proto>}.
 */
public final class GatewayMesh implements AutoCloseable {
  final Path dir;
  final LocalControlPlane controlPlane;
  private final List<HttpServer> apps = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private boolean http2 = true; // the proxy's default

  GatewayMesh(Path dir) throws IOException {
    this.dir = dir;
    this.controlPlane = LocalControlPlane.builder(dir).port(0).start();
  }

  /** The shared Istio fixture {@code fileName}; skips the test when the fixtures are absent. */
  static Path istioFixture(String fileName) {
    Path file = Stream.of(System.getProperty("bowline.shared.dir"), "../../shared", "/work/shared")
        .filter(s -> s != null && !s.isBlank())
        .map(s -> Path.of(s, "fixtures", "istio", fileName).toAbsolutePath().normalize())
        .filter(Files::isRegularFile).findFirst().orElse(null);
    assumeTrue(file != null, "shared Istio fixture " + fileName + " not found (set -Dbowline.shared.dir)");
    return file;
  }

  /** Copies {@code file} into the configuration directory under {@code name}. */
  GatewayMesh config(String name, Path file) throws IOException {
    Files.copy(file, dir.resolve(name));
    return this;
  }

  /** Writes {@code yaml} into the configuration directory as {@code name}. */
  GatewayMesh config(String name, String yaml) throws IOException {
    Files.writeString(dir.resolve(name), yaml);
    return this;
  }

  /** Starts an application answering its name, and registers it as a workload with {@code labels}. */
  GatewayMesh app(String namespace, String name, String portName, Map<String, String> labels) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      try (InputStream in = exchange.getRequestBody()) {
        in.readAllBytes();
      }
      byte[] body = (name + " " + exchange.getRequestURI() + " host=" + exchange.getRequestHeaders().getFirst("Host")
          + " xfp=" + exchange.getRequestHeaders().getFirst("x-forwarded-proto") + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    apps.add(server);
    registerAt(namespace, name, portName, server.getAddress().getPort(), labels);
    return this;
  }

  /** Registers a workload listening on {@code port}. */
  GatewayMesh registerAt(String namespace, String name, String portName, int port, Map<String, String> labels) {
    controlPlane.registry().register(namespace, name, "127.0.0.1", Map.of(portName, port), labels);
    return this;
  }

  /** Reloads the directory (as the watcher does on a change) and checks that it was accepted. */
  GatewayMesh reload() {
    controlPlane.reload();
    return this;
  }

  /** Gateways started after this serve HTTP/2 ({@code BowlineProxy.Builder.gatewayHttp2}). */
  GatewayMesh http2() {
    this.http2 = true;
    return this;
  }

  /** A proxy in the gateway role for {@code name.namespace} with {@code labels}; listener ports mapped to free ones. */
  BowlineProxy gateway(String name, String namespace, Map<String, String> labels, int... listenerPorts) {
    MeshClient mesh = MeshClient.builder()
        .bootstrapJson(GatewayNode.bootstrapJson("127.0.0.1:" + controlPlane.port(), name, namespace, labels,
            "cluster.local"))
        .build();
    BowlineProxy proxy = BowlineProxy.builder().mesh(mesh).ownsMesh(true).gateway(p -> 0).gatewayHttp2(http2).threads(1)
        .start();
    closeables.add(proxy);
    try {
      mesh.awaitReady(Duration.ofSeconds(20));
    } catch (Exception e) {
      throw new AssertionError("the gateway's first configuration did not arrive", e);
    }
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      for (int p : listenerPorts) {
        assertThat(proxy.gatewayPort(p)).as("gateway listener port %d bound", p).isPositive();
      }
    });
    assertThat(controlPlane.acks().nacks()).as("NACKs").isEmpty();
    return proxy;
  }

  /** Runs a command (curl, openssl) with a 20 s limit; its standard output and error, merged. */
  public static String run(List<String> command, String stdin) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("%s finished", command.get(0)).isTrue();
      return out + "\nexit=" + p.exitValue();
    } finally {
      p.destroy();
    }
  }

  /**
   * curl through the gateway: {@code -s -S}, the response head and body, then a last line
   * {@code code=<status>}; extra arguments before the URL.
   */
  public static String curl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-S", "--max-time", "10", "--noproxy", "", "-i",
        "-w", "\ncode=%{http_code}"));
    cmd.addAll(List.of(args));
    return run(cmd, null);
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    apps.forEach(s -> s.stop(0));
    controlPlane.close();
  }
}
